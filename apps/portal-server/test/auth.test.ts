import { createPasswordReset } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

describe("auth", () => {
  it("signs up, keeps the session in an httpOnly cookie, signs out", async () => {
    const c = platform.client();
    const response = await c.fetch("/trpc/auth.signUp", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email: "Ada@Example.test", password: "correct horse battery" } }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().join("\n");
    expect(cookie).toMatch(/gw_session=[\w-]{40,}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await c.trpc.auth.me.query();
    expect(me).toMatchObject({ email: "ada@example.test", isPlatformAdmin: false });
    // The session token is stored only as its hash.
    const token = c.cookies.get("gw_session")!;
    const stored = await platform.db.prisma.session.findMany({ where: { userId: me!.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).not.toBe(token);
    expect(JSON.stringify(stored)).not.toContain(token);

    await c.trpc.auth.signOut.mutate();
    expect(await c.trpc.auth.me.query()).toBeNull();
    expect(await platform.db.prisma.session.count({ where: { userId: me!.id } })).toBe(0);
  });

  it("makes the first account of a non-production installation its platform admin, and no other", async () => {
    const fresh = await startPlatform({ FIRST_ACCOUNT_IS_ADMIN: "" });
    try {
      const first = await fresh.signedIn("first");
      const second = await fresh.signedIn("second");
      expect((await first.trpc.auth.me.query())?.isPlatformAdmin).toBe(true);
      expect((await second.trpc.auth.me.query())?.isPlatformAdmin).toBe(false);
    } finally {
      await fresh.close();
    }
    const production = await startPlatform({ NODE_ENV: "production", FIRST_ACCOUNT_IS_ADMIN: "" });
    try {
      const first = await production.signedIn("first");
      expect((await first.trpc.auth.me.query())?.isPlatformAdmin).toBe(false);
    } finally {
      await production.close();
    }
  });

  it("refuses a second account for the same email, and says which field is wrong", async () => {
    const a = await platform.signedIn("dup");
    const again = await rejection(
      platform.client().trpc.auth.signUp.mutate({ email: a.email, password: "another-password" }),
    );
    expect(again.data?.code).toBe("CONFLICT");
    const short = await rejection(
      platform.client().trpc.auth.signUp.mutate({ email: "x@example.test", password: "short" }),
    );
    expect(short.data?.code).toBe("BAD_REQUEST");
    expect(short.message).toBe("password: use at least 10 characters");
    expect(short.data?.fieldErrors?.password).toEqual(["use at least 10 characters"]);
  });

  it("signs in with the right password only, and limits attempts per email", async () => {
    const user = await platform.signedIn("signin");
    const c = platform.client();
    const wrong = await rejection(
      c.trpc.auth.signIn.mutate({ email: user.email, password: "wrong-password" }),
    );
    expect(wrong.data?.code).toBe("UNAUTHORIZED");
    expect(wrong.message).toBe("Wrong email or password.");
    const unknown = await rejection(
      c.trpc.auth.signIn.mutate({ email: "nobody@example.test", password: "whatever-it-is" }),
    );
    expect(unknown.message).toBe("Wrong email or password.");
    expect(
      (await c.trpc.auth.signIn.mutate({ email: user.email.toUpperCase(), password: user.password })).email,
    ).toBe(user.email);
    expect((await c.trpc.auth.me.query())?.email).toBe(user.email);

    // A successful sign-in resets the count: ten more wrong tries are allowed, the eleventh is not.
    for (let i = 0; i < 10; i++) {
      await rejection(c.trpc.auth.signIn.mutate({ email: user.email, password: `wrong-${i}-password` }));
    }
    const limited = await rejection(
      c.trpc.auth.signIn.mutate({ email: user.email, password: user.password }),
    );
    expect(limited.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(limited.message).toMatch(/Too many sign-in attempts/);
  });

  it("changes the password, signing out the other sessions", async () => {
    const user = await platform.signedIn("change");
    const other = platform.client();
    await other.trpc.auth.signIn.mutate({ email: user.email, password: user.password });
    const bad = await rejection(
      user.trpc.auth.changePassword.mutate({
        currentPassword: "not-it-at-all",
        newPassword: "a-new-password-1",
      }),
    );
    expect(bad.data?.code).toBe("BAD_REQUEST");
    await user.trpc.auth.changePassword.mutate({
      currentPassword: user.password,
      newPassword: "a-new-password-1",
    });
    expect((await user.trpc.auth.me.query())?.email).toBe(user.email);
    expect(await other.trpc.auth.me.query()).toBeNull();
    await rejection(
      platform.client().trpc.auth.signIn.mutate({ email: user.email, password: user.password }),
    );
    await platform.client().trpc.auth.signIn.mutate({ email: user.email, password: "a-new-password-1" });
  });

  it("resets a password with a one-time token", async () => {
    const user = await platform.signedIn("reset");
    const token = await createPasswordReset(platform.db.prisma, user.email);
    expect(token).toBeTruthy();
    const c = platform.client();
    // Without mail configured the portal mails nothing, and says so without revealing accounts.
    expect(await c.trpc.auth.requestPasswordReset.mutate({ email: user.email })).toEqual({ mailed: false });
    await c.trpc.auth.resetPassword.mutate({ token: token!, password: "reset-password-1" });
    const reused = await rejection(
      c.trpc.auth.resetPassword.mutate({ token: token!, password: "reset-password-2" }),
    );
    expect(reused.data?.code).toBe("BAD_REQUEST");
    expect(await user.trpc.auth.me.query()).toBeNull();
    await c.trpc.auth.signIn.mutate({ email: user.email, password: "reset-password-1" });
  });

  it("refuses form posts and foreign origins (CSRF)", async () => {
    const c = platform.client();
    const form = await c.fetch("/trpc/auth.signUp", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "email=a%40b.test&password=0123456789abc",
    });
    expect(form.status).toBe(415);
    const foreign = await platform.client({ origin: "https://evil.test" }).fetch("/trpc/auth.signUp", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email: "csrf@example.test", password: "0123456789abc" } }),
    });
    expect(foreign.status).toBe(403);
    expect(
      await platform.db.prisma.user.count({ where: { email: { in: ["a@b.test", "csrf@example.test"] } } }),
    ).toBe(0);
    const user = await platform.signedIn("csrf");
    const noOrigin = await fetch(`${platform.portalUrl}/trpc/auth.signOut`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `gw_session=${user.cookies.get("gw_session")}` },
      body: "{}",
    });
    expect(noOrigin.status).toBe(403);
    expect(await user.trpc.auth.me.query()).not.toBeNull();
  });
});

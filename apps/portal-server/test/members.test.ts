// Members and invitations end to end: invite links (one-time, 7 days, hashed at rest), mail when
// it is configured, accepting, roles, removal, leaving, and the owner rules.
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { hashToken } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

type User = Awaited<ReturnType<TestPlatform["signedIn"]>>;
type Role = "owner" | "admin" | "member" | "viewer";

let p: TestPlatform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p?.close());

let slugs = 0;

/** A new organization owned by a new user. */
async function newOrg(platform = p) {
  const owner = await platform.signedIn("owner");
  const org = await owner.trpc.orgs.create.mutate({
    slug: `members-${++slugs}-${Date.now().toString(36)}`,
    name: "Team",
  });
  return { owner, orgId: org.id };
}

async function addMember(orgId: string, role: Role): Promise<User> {
  const user = await p.signedIn(role);
  await p.db.prisma.membership.create({ data: { orgId, userId: user.userId, role } });
  return user;
}

const tokenOf = (inviteUrl: string) => {
  const token = new URL(inviteUrl).searchParams.get("token");
  if (!token) throw new Error(`no token in ${inviteUrl}`);
  return token;
};

async function roleOf(orgId: string, userId: string) {
  const m = await p.db.prisma.membership.findUnique({ where: { orgId_userId: { orgId, userId } } });
  return m?.role ?? null;
}

const auditActions = async (orgId: string) =>
  (await p.db.prisma.auditLog.findMany({ where: { orgId }, orderBy: { id: "asc" } })).map((r) => r.action);

describe("members.invite and members.accept", () => {
  it("gives the inviter a one-time link, stores only its hash, and lets another account join with the role", async () => {
    const { owner, orgId } = await newOrg();
    const before = Date.now();
    const invited = await owner.trpc.members.invite.mutate({
      orgId,
      email: "New.Person@Example.test",
      role: "admin",
    });
    expect(invited.mailed).toBe(false);
    expect(invited.inviteUrl).toMatch(/^http:\/\/portal\.test\/invite\?token=[\w-]{43}$/);
    const token = tokenOf(invited.inviteUrl);

    const row = await p.db.prisma.invitation.findUniqueOrThrow({ where: { id: invited.invitationId } });
    expect(row).toMatchObject({
      orgId,
      email: "new.person@example.test",
      role: "admin",
      invitedById: owner.userId,
    });
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const ttl = row.expiresAt.getTime() - before;
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);

    const pending = await owner.trpc.members.invitations.query({ orgId });
    expect(pending).toEqual([
      {
        id: invited.invitationId,
        email: "new.person@example.test",
        role: "admin",
        invitedBy: { id: owner.userId, email: owner.email },
        expiresAt: row.expiresAt,
        createdAt: row.createdAt,
      },
    ]);

    // Any signed-in account may use the link: this one has another email.
    const joiner = await p.signedIn("joiner");
    expect(await joiner.trpc.members.accept.mutate({ token })).toEqual({ orgId, role: "admin" });
    expect(await roleOf(orgId, joiner.userId)).toBe("admin");
    expect((await joiner.trpc.orgs.get.query({ orgId })).role).toBe("admin");
    expect(await owner.trpc.members.invitations.query({ orgId })).toEqual([]);
    const members = await owner.trpc.members.list.query({ orgId });
    expect(members.map((m) => [m.email, m.role])).toEqual([
      [owner.email, "owner"],
      [joiner.email, "admin"],
    ]);
    expect(members[1]).toMatchObject({ userId: joiner.userId, name: "joiner" });
    expect(members[1]!.joinedAt).toBeInstanceOf(Date);

    const join = await p.db.prisma.auditLog.findFirstOrThrow({ where: { orgId, action: "member.join" } });
    expect(join).toMatchObject({
      actorUserId: joiner.userId,
      targetType: "user",
      targetId: joiner.userId,
      metadata: {
        invitationId: invited.invitationId,
        role: "admin",
        invitedEmail: "new.person@example.test",
        email: joiner.email,
      },
    });
    expect(await auditActions(orgId)).toEqual(["org.create", "member.invite", "member.join"]);
  });

  it("consumes a token exactly once, also when two accounts race for it", async () => {
    const { owner, orgId } = await newOrg();
    const { inviteUrl } = await owner.trpc.members.invite.mutate({
      orgId,
      email: "once@example.test",
      role: "member",
    });
    const token = tokenOf(inviteUrl);
    const [a, b] = [await p.signedIn("a"), await p.signedIn("b")];
    const results = await Promise.allSettled([
      a.trpc.members.accept.mutate({ token }),
      b.trpc.members.accept.mutate({ token }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const joined = (await p.db.prisma.membership.findMany({ where: { orgId, role: "member" } })).map(
      (m) => m.userId,
    );
    expect(joined).toHaveLength(1);
    expect([a.userId, b.userId]).toContain(joined[0]);

    const c = await p.signedIn("c");
    const reused = await rejection(c.trpc.members.accept.mutate({ token }));
    expect(reused.data?.code).toBe("PRECONDITION_FAILED");
    expect(reused.message).toBe("This invitation was already used.");
    expect(await roleOf(orgId, c.userId)).toBeNull();
    expect((await auditActions(orgId)).filter((a) => a === "member.join")).toHaveLength(1);
  });

  it("refuses expired, revoked, replaced and unknown tokens, and changes nothing", async () => {
    const { owner, orgId } = await newOrg();
    const joiner = await p.signedIn("joiner");
    const expired = await owner.trpc.members.invite.mutate({
      orgId,
      email: "late@example.test",
      role: "member",
    });
    await p.db.prisma.invitation.update({
      where: { id: expired.invitationId },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    const late = await rejection(joiner.trpc.members.accept.mutate({ token: tokenOf(expired.inviteUrl) }));
    expect(late.data?.code).toBe("PRECONDITION_FAILED");
    expect(late.message).toBe("This invitation has expired; ask for a new one.");
    // An expired invitation is no longer listed as pending.
    expect(await owner.trpc.members.invitations.query({ orgId })).toEqual([]);

    const revoked = await owner.trpc.members.invite.mutate({
      orgId,
      email: "revoked@example.test",
      role: "viewer",
    });
    expect(
      await owner.trpc.members.revokeInvitation.mutate({ orgId, invitationId: revoked.invitationId }),
    ).toEqual({ ok: true });
    const refused = await rejection(joiner.trpc.members.accept.mutate({ token: tokenOf(revoked.inviteUrl) }));
    expect(refused.data?.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toBe("This invitation was revoked.");
    const again = await rejection(
      owner.trpc.members.revokeInvitation.mutate({ orgId, invitationId: revoked.invitationId }),
    );
    expect(again.data?.code).toBe("PRECONDITION_FAILED");

    // A new invitation for the same email replaces the pending one: only the newest link works.
    const first = await owner.trpc.members.invite.mutate({
      orgId,
      email: "twice@example.test",
      role: "member",
    });
    const second = await owner.trpc.members.invite.mutate({
      orgId,
      email: "twice@example.test",
      role: "admin",
    });
    expect((await owner.trpc.members.invitations.query({ orgId })).map((i) => i.id)).toEqual([
      second.invitationId,
    ]);
    expect(
      (await rejection(joiner.trpc.members.accept.mutate({ token: tokenOf(first.inviteUrl) }))).message,
    ).toBe("This invitation was revoked.");

    const unknown = await rejection(joiner.trpc.members.accept.mutate({ token: "x".repeat(43) }));
    expect(unknown.data?.code).toBe("BAD_REQUEST");
    expect(unknown.message).toBe("This invitation link is invalid.");
    const anonymous = await rejection(
      p.client().trpc.members.accept.mutate({ token: tokenOf(second.inviteUrl) }),
    );
    expect(anonymous.data?.code).toBe("UNAUTHORIZED");

    expect(await roleOf(orgId, joiner.userId)).toBeNull();
    expect(await p.db.prisma.invitation.count({ where: { orgId, acceptedAt: { not: null } } })).toBe(0);
    expect(await auditActions(orgId)).toEqual([
      "org.create",
      "member.invite",
      "member.invite",
      "member.invitation_revoke",
      "member.invite",
      "member.invite",
    ]);
    const replaced = await p.db.prisma.auditLog.findFirstOrThrow({
      where: { orgId, action: "member.invite", targetId: second.invitationId },
    });
    expect(replaced.metadata).toMatchObject({
      email: "twice@example.test",
      role: "admin",
      replacedInvitations: 1,
    });
  });

  it("refuses inviting a member, joining twice, and invitations of other organizations", async () => {
    const { owner, orgId } = await newOrg();
    const member = await addMember(orgId, "member");
    const dup = await rejection(
      owner.trpc.members.invite.mutate({ orgId, email: member.email.toUpperCase(), role: "admin" }),
    );
    expect(dup.data?.code).toBe("CONFLICT");
    expect(dup.message).toBe(`${member.email} is already a member of this organization.`);
    expect(await owner.trpc.members.invitations.query({ orgId })).toEqual([]);

    // A member who opens a link meant for someone else: refused, and the link stays usable.
    const invited = await owner.trpc.members.invite.mutate({
      orgId,
      email: "someone@example.test",
      role: "admin",
    });
    const twice = await rejection(member.trpc.members.accept.mutate({ token: tokenOf(invited.inviteUrl) }));
    expect(twice.data?.code).toBe("CONFLICT");
    expect(await roleOf(orgId, member.userId)).toBe("member");
    expect((await owner.trpc.members.invitations.query({ orgId })).map((i) => i.id)).toEqual([
      invited.invitationId,
    ]);

    const other = await newOrg();
    const hidden = await rejection(
      other.owner.trpc.members.revokeInvitation.mutate({
        orgId: other.orgId,
        invitationId: invited.invitationId,
      }),
    );
    expect(hidden.data?.code).toBe("NOT_FOUND");
    expect((await owner.trpc.members.invitations.query({ orgId })).map((i) => i.id)).toEqual([
      invited.invitationId,
    ]);
  });

  it("lets only an owner invite an owner", async () => {
    const { owner, orgId } = await newOrg();
    const admin = await addMember(orgId, "admin");
    const refused = await rejection(
      admin.trpc.members.invite.mutate({ orgId, email: "boss@example.test", role: "owner" }),
    );
    expect(refused.data?.code).toBe("FORBIDDEN");
    expect(refused.message).toBe("Only an owner can invite an owner.");
    expect(await p.db.prisma.invitation.count({ where: { orgId } })).toBe(0);
    await admin.trpc.members.invite.mutate({ orgId, email: "helper@example.test", role: "admin" });

    const { inviteUrl } = await owner.trpc.members.invite.mutate({
      orgId,
      email: "boss@example.test",
      role: "owner",
    });
    const boss = await p.signedIn("boss");
    expect(await boss.trpc.members.accept.mutate({ token: tokenOf(inviteUrl) })).toEqual({
      orgId,
      role: "owner",
    });
  });

  it("refuses joining a suspended organization", async () => {
    const { owner, orgId } = await newOrg();
    const { inviteUrl } = await owner.trpc.members.invite.mutate({
      orgId,
      email: "s@example.test",
      role: "member",
    });
    await p.db.prisma.organization.update({ where: { id: orgId }, data: { status: "suspended" } });
    const joiner = await p.signedIn("joiner");
    const refused = await rejection(joiner.trpc.members.accept.mutate({ token: tokenOf(inviteUrl) }));
    expect(refused.data?.code).toBe("FORBIDDEN");
    expect(await roleOf(orgId, joiner.userId)).toBeNull();
  });
});

describe("members.changeRole", () => {
  it("changes roles within the owner rules", async () => {
    const { owner, orgId } = await newOrg();
    const admin = await addMember(orgId, "admin");
    const member = await addMember(orgId, "member");

    expect(
      await admin.trpc.members.changeRole.mutate({ orgId, userId: member.userId, role: "viewer" }),
    ).toMatchObject({
      userId: member.userId,
      email: member.email,
      role: "viewer",
    });
    const row = await p.db.prisma.auditLog.findFirstOrThrow({
      where: { orgId, action: "member.role_change" },
    });
    expect(row).toMatchObject({
      actorUserId: admin.userId,
      targetId: member.userId,
      metadata: { from: "member", to: "viewer" },
    });

    // Only an owner makes an owner or touches an owner's role.
    const promote = await rejection(
      admin.trpc.members.changeRole.mutate({ orgId, userId: member.userId, role: "owner" }),
    );
    expect(promote.data?.code).toBe("FORBIDDEN");
    const self = await rejection(
      admin.trpc.members.changeRole.mutate({ orgId, userId: admin.userId, role: "owner" }),
    );
    expect(self.data?.code).toBe("FORBIDDEN");
    const demote = await rejection(
      admin.trpc.members.changeRole.mutate({ orgId, userId: owner.userId, role: "admin" }),
    );
    expect(demote.data?.code).toBe("FORBIDDEN");
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
    expect(await roleOf(orgId, member.userId)).toBe("viewer");

    // The last owner cannot be demoted; with a second owner, either can step down.
    const last = await rejection(
      owner.trpc.members.changeRole.mutate({ orgId, userId: owner.userId, role: "admin" }),
    );
    expect(last.data?.code).toBe("PRECONDITION_FAILED");
    expect(last.message).toBe("The last owner cannot be demoted: make another member an owner first.");
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
    await owner.trpc.members.changeRole.mutate({ orgId, userId: admin.userId, role: "owner" });
    await admin.trpc.members.changeRole.mutate({ orgId, userId: owner.userId, role: "member" });
    expect(await roleOf(orgId, owner.userId)).toBe("member");
    expect(await roleOf(orgId, admin.userId)).toBe("owner");

    const stranger = await p.signedIn("stranger");
    const missing = await rejection(
      admin.trpc.members.changeRole.mutate({ orgId, userId: stranger.userId, role: "viewer" }),
    );
    expect(missing.data?.code).toBe("NOT_FOUND");
    expect((await auditActions(orgId)).filter((a) => a === "member.role_change")).toHaveLength(3);
  });

  it("keeps one owner when two owners demote each other at once", async () => {
    const { owner, orgId } = await newOrg();
    const second = await addMember(orgId, "owner");
    const results = await Promise.allSettled([
      owner.trpc.members.changeRole.mutate({ orgId, userId: second.userId, role: "admin" }),
      second.trpc.members.changeRole.mutate({ orgId, userId: owner.userId, role: "admin" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await p.db.prisma.membership.count({ where: { orgId, role: "owner" } })).toBe(1);
  });
});

describe("members.remove and members.leave", () => {
  it("removes members within the owner rules; a removed member loses access", async () => {
    const { owner, orgId } = await newOrg();
    const admin = await addMember(orgId, "admin");
    const viewer = await addMember(orgId, "viewer");

    expect(await admin.trpc.members.remove.mutate({ orgId, userId: viewer.userId })).toEqual({ ok: true });
    expect(await roleOf(orgId, viewer.userId)).toBeNull();
    expect((await rejection(viewer.trpc.orgs.get.query({ orgId }))).data?.code).toBe("NOT_FOUND");
    const row = await p.db.prisma.auditLog.findFirstOrThrow({ where: { orgId, action: "member.remove" } });
    expect(row).toMatchObject({
      actorUserId: admin.userId,
      targetId: viewer.userId,
      metadata: { email: viewer.email, role: "viewer" },
    });

    const removeOwner = await rejection(admin.trpc.members.remove.mutate({ orgId, userId: owner.userId }));
    expect(removeOwner.data?.code).toBe("FORBIDDEN");
    const lastOwner = await rejection(owner.trpc.members.remove.mutate({ orgId, userId: owner.userId }));
    expect(lastOwner.data?.code).toBe("PRECONDITION_FAILED");
    expect(lastOwner.message).toBe("The last owner cannot be removed: make another member an owner first.");
    expect(await roleOf(orgId, owner.userId)).toBe("owner");
    const gone = await rejection(admin.trpc.members.remove.mutate({ orgId, userId: viewer.userId }));
    expect(gone.data?.code).toBe("NOT_FOUND");

    const coOwner = await addMember(orgId, "owner");
    await owner.trpc.members.remove.mutate({ orgId, userId: coOwner.userId });
    expect(await roleOf(orgId, coOwner.userId)).toBeNull();
  });

  it("lets any member leave, except the last owner", async () => {
    const { owner, orgId } = await newOrg();
    const viewer = await addMember(orgId, "viewer");
    expect(await viewer.trpc.members.leave.mutate({ orgId })).toEqual({ ok: true });
    expect(await roleOf(orgId, viewer.userId)).toBeNull();
    expect(await viewer.trpc.orgs.list.query()).toEqual([]);

    const last = await rejection(owner.trpc.members.leave.mutate({ orgId }));
    expect(last.data?.code).toBe("PRECONDITION_FAILED");
    expect(last.message).toBe(
      "You are the last owner: make another member an owner first, or delete the organization.",
    );
    expect(await roleOf(orgId, owner.userId)).toBe("owner");

    const coOwner = await addMember(orgId, "owner");
    await owner.trpc.members.leave.mutate({ orgId });
    expect(await roleOf(orgId, owner.userId)).toBeNull();
    expect((await rejection(coOwner.trpc.members.leave.mutate({ orgId }))).data?.code).toBe(
      "PRECONDITION_FAILED",
    );
    expect((await auditActions(orgId)).filter((a) => a === "member.leave")).toHaveLength(2);
    const leave = await p.db.prisma.auditLog.findFirstOrThrow({
      where: { orgId, action: "member.leave", actorUserId: owner.userId },
    });
    expect(leave).toMatchObject({ targetId: owner.userId, metadata: { role: "owner" } });
  });
});

/** Just enough SMTP to receive one message at a time; each message's raw text goes to `mails`. */
async function startSmtp(): Promise<{ server: Server; port: number; mails: string[] }> {
  const mails: string[] = [];
  const server = createServer((socket) => {
    let buffer = "";
    let inData = false;
    socket.write("220 test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          mails.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write("250 queued\r\n");
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const line = buffer.slice(0, eol).toUpperCase();
        buffer = buffer.slice(eol + 2);
        if (line.startsWith("EHLO") || line.startsWith("HELO")) socket.write("250 test\r\n");
        else if (line === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (line === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as { port: number }).port, mails };
}

describe("invitation mail", () => {
  it("mails the link when SMTP is configured, and still returns it when sending fails", async () => {
    const smtp = await startSmtp();
    const mailing = await startPlatform({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    try {
      const owner = await mailing.signedIn("owner");
      const org = await owner.trpc.orgs.create.mutate({
        slug: `mail-${Date.now().toString(36)}`,
        name: "Mailers",
      });
      const sent = await owner.trpc.members.invite.mutate({
        orgId: org.id,
        email: "friend@example.test",
        role: "member",
      });
      expect(sent.mailed).toBe(true);
      expect(smtp.mails).toHaveLength(1);
      const mail = smtp.mails[0]!.replace(/=\r\n/g, "").replace(/=3D/g, "=");
      expect(mail).toMatch(/^To: friend@example\.test$/m);
      expect(mail).toContain("Mailers");
      expect(mail).toContain(sent.inviteUrl);

      smtp.server.close();
      await once(smtp.server, "close");
      const unsent = await owner.trpc.members.invite.mutate({
        orgId: org.id,
        email: "other@example.test",
        role: "member",
      });
      expect(unsent.mailed).toBe(false);
      expect(unsent.inviteUrl).toMatch(/\/invite\?token=/);
      expect(mailing.logs.some((line) => line.includes("invitation mail not sent"))).toBe(true);
    } finally {
      await mailing.close();
      if (smtp.server.listening) smtp.server.close();
    }
  });
});

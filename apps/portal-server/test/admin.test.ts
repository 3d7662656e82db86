// Platform admin procedures against the real platform: only platform admins get in; credit grants
// and deductions (idempotent, never below zero) reach running gateways at once; suspension stops
// a working key on /v1 at once and reactivation brings it back; prices are effective-dated rows.
import { randomBytes } from "node:crypto";
import { createApiKey, createOrganization } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
let root: Awaited<ReturnType<TestPlatform["signedIn"]>>;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;

beforeAll(async () => {
  p = await startPlatform();
  root = await p.signedIn("root");
  await p.db.prisma.user.update({ where: { id: root.userId }, data: { isPlatformAdmin: true } });
  alice = await p.signedIn("alice");
});
afterAll(() => p?.close());

async function newOrg(slug = `adm-${randomBytes(4).toString("hex")}`) {
  const { org, project } = await createOrganization(p.db.prisma, {
    slug,
    name: `Org ${slug}`,
    ownerUserId: alice.userId,
  });
  return { orgId: org.id, projectId: project.id };
}

function chat(key: string) {
  return fetch(`${p.inferenceUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "demo-chat",
      messages: [{ role: "user", content: "Hello" }],
      max_tokens: 5,
    }),
  });
}

const balance = async (orgId: string) =>
  (await p.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).balanceMicros;

describe("admin access", () => {
  it("refuses everyone but platform admins, and changes nothing", async () => {
    const { orgId } = await newOrg();
    const calls = (c: typeof alice) => [
      () => c.trpc.admin.orgs.query({}),
      () => c.trpc.admin.adjustCredits.mutate({ orgId, amountMicros: 1_000_000n, note: "free money" }),
      () => c.trpc.admin.setOrgStatus.mutate({ orgId, status: "suspended" }),
      () => c.trpc.admin.prices.query(),
      () =>
        c.trpc.admin.setPrice.mutate({
          provider: "demo",
          model: "demo-chat",
          inputPerMTokMicros: 0n,
          outputPerMTokMicros: 0n,
        }),
    ];
    for (const call of calls(alice)) expect((await rejection(call())).data?.code).toBe("FORBIDDEN");
    const anonymous = { ...p.client(), email: "", password: "", userId: "" };
    for (const call of calls(anonymous)) expect((await rejection(call())).data?.code).toBe("UNAUTHORIZED");
    const org = await p.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
    expect(org).toMatchObject({ status: "active", balanceMicros: 0n });
    expect(await p.db.prisma.modelPrice.count({ where: { source: "admin" } })).toBe(0);
  });
});

describe("admin.orgs", () => {
  it("lists organizations by slug with balance, month's spend and members, searchable and paged", async () => {
    const tag = randomBytes(3).toString("hex");
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await newOrg(`list-${tag}-${n}`)).orgId);
    await p.db.prisma.membership.create({ data: { orgId: ids[0]!, userId: root.userId, role: "viewer" } });
    await root.trpc.admin.adjustCredits.mutate({ orgId: ids[0]!, amountMicros: 7_000_000n, note: "welcome" });

    const first = await root.trpc.admin.orgs.query({ search: `LIST-${tag}`, limit: 2 });
    expect(first.items.map((o) => o.slug)).toEqual([`list-${tag}-1`, `list-${tag}-2`]);
    expect(first.items[0]).toMatchObject({
      id: ids[0],
      name: `Org list-${tag}-1`,
      status: "active",
      balanceMicros: 7_000_000n,
      spentThisMonthMicros: 0n,
      members: 2,
    });
    expect(first.nextCursor).not.toBeNull();
    const second = await root.trpc.admin.orgs.query({
      search: `list-${tag}`,
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.items.map((o) => o.slug)).toEqual([`list-${tag}-3`]);
    expect(second.nextCursor).toBeNull();
    // By name too; and without a search, every organization.
    expect((await root.trpc.admin.orgs.query({ search: `org list-${tag}-2` })).items).toHaveLength(1);
    expect((await root.trpc.admin.orgs.query()).items.length).toBeGreaterThanOrEqual(3);
  });
});

describe("admin.adjustCredits", () => {
  it("grants credit that a running gateway uses at once, deducts it, and never below zero", async () => {
    const { orgId, projectId } = await newOrg();
    const { key } = await createApiKey(p.db.prisma, { orgId, projectId, name: "k" });
    expect((await chat(key)).status).toBe(402);

    const granted = await root.trpc.admin.adjustCredits.mutate({
      orgId,
      amountMicros: 5_000_000n,
      note: "trial",
    });
    expect(granted).toMatchObject({
      kind: "grant",
      amountMicros: 5_000_000n,
      balanceAfterMicros: 5_000_000n,
      created: true,
    });
    // The gateway was told: the very next request sees the credit.
    expect((await chat(key)).status).toBe(200);

    // The request's cost is debited by the gateway's batch writer: wait for it, so the balance holds still.
    for (
      let i = 0;
      i < 100 && (await p.db.prisma.creditLedgerEntry.count({ where: { orgId, kind: "usage" } })) === 0;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await balance(orgId);
    expect(after).toBeLessThan(5_000_000n);
    const tooMuch = await rejection(
      root.trpc.admin.adjustCredits.mutate({ orgId, amountMicros: -(after + 1n), note: "too much" }),
    );
    expect(tooMuch.data?.code).toBe("PRECONDITION_FAILED");
    expect(tooMuch.message).toMatch(/below zero/);
    expect(await balance(orgId)).toBe(after);

    const deducted = await root.trpc.admin.adjustCredits.mutate({
      orgId,
      amountMicros: -1_000_000n,
      note: "refund reversal",
    });
    expect(deducted).toMatchObject({ kind: "adjustment", balanceAfterMicros: after - 1_000_000n });
    const entries = await p.db.prisma.creditLedgerEntry.findMany({
      where: { orgId, kind: { in: ["grant", "adjustment"] } },
      orderBy: { id: "asc" },
    });
    expect(entries.map((e) => [e.kind, e.amountMicros, e.note, e.actorUserId])).toEqual([
      ["grant", 5_000_000n, "trial", root.userId],
      ["adjustment", -1_000_000n, "refund reversal", root.userId],
    ]);
    const audit = await p.db.prisma.auditLog.findMany({
      where: { orgId, action: { in: ["billing.grant", "billing.deduct"] } },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => [a.action, a.actorUserId])).toEqual([
      ["billing.grant", root.userId],
      ["billing.deduct", root.userId],
    ]);
  });

  it("posts one idempotency key once, also concurrently, and refuses it for another amount", async () => {
    const { orgId } = await newOrg();
    const idempotencyKey = `click-${randomBytes(6).toString("hex")}`;
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        root.trpc.admin.adjustCredits.mutate({
          orgId,
          amountMicros: 2_000_000n,
          note: "once",
          idempotencyKey,
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(await balance(orgId)).toBe(2_000_000n);
    const other = await rejection(
      root.trpc.admin.adjustCredits.mutate({
        orgId,
        amountMicros: 3_000_000n,
        note: "twice",
        idempotencyKey,
      }),
    );
    expect(other.data?.code).toBe("CONFLICT");
    expect(await balance(orgId)).toBe(2_000_000n);
  });

  it("refuses zero, a missing note and an unknown organization", async () => {
    const { orgId } = await newOrg();
    const zero = await rejection(
      root.trpc.admin.adjustCredits.mutate({ orgId, amountMicros: 0n, note: "x" }),
    );
    expect(zero.data?.code).toBe("BAD_REQUEST");
    const noNote = await rejection(
      root.trpc.admin.adjustCredits.mutate({ orgId, amountMicros: 1n, note: "  " }),
    );
    expect(noNote.message).toBe("note: say why");
    const missing = await rejection(
      root.trpc.admin.adjustCredits.mutate({ orgId: crypto.randomUUID(), amountMicros: 1n, note: "x" }),
    );
    expect(missing.data?.code).toBe("NOT_FOUND");
    expect(await p.db.prisma.creditLedgerEntry.count({ where: { orgId } })).toBe(0);
  });
});

describe("admin.setOrgStatus", () => {
  it("stops a working key on /v1 at once, and brings it back on reactivation", async () => {
    const { orgId, projectId } = await newOrg();
    await root.trpc.admin.adjustCredits.mutate({ orgId, amountMicros: 10_000_000n, note: "credit" });
    const { key } = await createApiKey(p.db.prisma, { orgId, projectId, name: "k" });
    expect((await chat(key)).status).toBe(200);

    expect(
      await root.trpc.admin.setOrgStatus.mutate({ orgId, status: "suspended", reason: "abuse" }),
    ).toEqual({
      orgId,
      status: "suspended",
    });
    const refused = await chat(key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/suspended/);
    // Members can still read, not change.
    await alice.trpc.billing.summary.query({ orgId });
    const change = await rejection(
      alice.trpc.billing.setLowBalanceThreshold.mutate({ orgId, thresholdMicros: 1n }),
    );
    expect(change.data?.code).toBe("FORBIDDEN");

    await root.trpc.admin.setOrgStatus.mutate({ orgId, status: "active" });
    expect((await chat(key)).status).toBe(200);
    const audit = await p.db.prisma.auditLog.findMany({
      where: { orgId, action: { in: ["org.suspend", "org.reactivate"] } },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => [a.action, a.actorUserId, a.metadata])).toEqual([
      ["org.suspend", root.userId, { from: "active", to: "suspended", reason: "abuse" }],
      ["org.reactivate", root.userId, { from: "suspended", to: "active", reason: null }],
    ]);
  });
});

describe("admin prices", () => {
  it("adds effective-dated rows, keeps the history, and shows the price in force", async () => {
    const before = await root.trpc.admin.prices.query();
    const seeded = before.current.find((row) => row.provider === "demo" && row.model === "demo-chat");
    expect(seeded).toMatchObject({ inputPerMTokMicros: 500_000n, outputPerMTokMicros: 1_500_000n });

    const now = await root.trpc.admin.setPrice.mutate({
      provider: "demo",
      model: "demo-chat",
      inputPerMTokMicros: 600_000n,
      outputPerMTokMicros: 1_800_000n,
      cachedInputPerMTokMicros: 60_000n,
    });
    const later = new Date(Date.now() + 86_400_000);
    await root.trpc.admin.setPrice.mutate({
      provider: "demo",
      model: "demo-chat",
      inputPerMTokMicros: 700_000n,
      outputPerMTokMicros: 2_000_000n,
      effectiveFrom: later,
    });
    const after = await root.trpc.admin.prices.query();
    expect(after.current.filter((row) => row.provider === "demo" && row.model === "demo-chat")).toEqual([
      expect.objectContaining({
        id: now.id,
        inputPerMTokMicros: 600_000n,
        cachedInputPerMTokMicros: 60_000n,
        source: "admin",
      }),
    ]);
    expect(after.scheduled).toEqual([
      expect.objectContaining({ inputPerMTokMicros: 700_000n, effectiveFrom: later }),
    ]);
    expect(after.current.length).toBe(before.current.length);
    expect(await p.db.prisma.modelPrice.count({ where: { provider: "demo", model: "demo-chat" } })).toBe(3);
    expect(
      await p.db.prisma.auditLog.count({ where: { action: "price.set", actorUserId: root.userId } }),
    ).toBe(2);

    const backdated = await rejection(
      root.trpc.admin.setPrice.mutate({
        provider: "demo",
        model: "demo-chat",
        inputPerMTokMicros: 1n,
        outputPerMTokMicros: 1n,
        effectiveFrom: new Date(Date.now() - 3_600_000),
      }),
    );
    expect(backdated.data?.code).toBe("BAD_REQUEST");
    const same = await rejection(
      root.trpc.admin.setPrice.mutate({
        provider: "demo",
        model: "demo-chat",
        inputPerMTokMicros: 1n,
        outputPerMTokMicros: 1n,
        effectiveFrom: later,
      }),
    );
    expect(same.data?.code).toBe("CONFLICT");
    const negative = await rejection(
      root.trpc.admin.setPrice.mutate({
        provider: "demo",
        model: "x",
        inputPerMTokMicros: -1n,
        outputPerMTokMicros: 0n,
      }),
    );
    expect(negative.data?.code).toBe("BAD_REQUEST");
    expect(await p.db.prisma.modelPrice.count({ where: { provider: "demo", model: "demo-chat" } })).toBe(3);
  });
});

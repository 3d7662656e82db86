// Billing pages from real ledger entries and usage rollups: the summary, the ledger's keyset
// pages, monthly statements, the low-balance threshold, and the Checkout answers that need no
// network (not configured, bad amounts, Stripe unreachable).
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { createApiKey, createOrganization, postLedgerEntry } from "@gw/db";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePortalEnv } from "../src/env.ts";
import { utcPeriodStarts } from "../src/services/billing.ts";
import { createPortalServices } from "../src/services/portal-services.ts";
import { createCheckout } from "../src/services/stripe.ts";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;

beforeAll(async () => {
  p = await startPlatform();
  alice = await p.signedIn("alice");
});
afterAll(() => p?.close());

async function newOrg(ownerUserId = alice.userId) {
  const { org, project } = await createOrganization(p.db.prisma, {
    slug: `bill-${randomBytes(4).toString("hex")}`,
    ownerUserId,
  });
  const { record } = await createApiKey(p.db.prisma, { orgId: org.id, projectId: project.id, name: "k" });
  return { orgId: org.id, projectId: project.id, keyId: record.id };
}

const grant = (orgId: string, amountMicros: bigint, key = randomBytes(6).toString("hex")) =>
  postLedgerEntry(p.db.prisma, {
    orgId,
    amountMicros,
    kind: "grant",
    idempotencyKey: key,
    actorUserId: alice.userId,
  });

function usageRow(
  org: { orgId: string; projectId: string; keyId: string },
  day: Date,
  model: string,
  costMicros: bigint,
  requests = 1,
) {
  return p.db.prisma.usageDaily.create({
    data: {
      day,
      orgId: org.orgId,
      projectId: org.projectId,
      apiKeyId: org.keyId,
      provider: "demo",
      model,
      requests,
      costMicros,
    },
  });
}

const daysAgo = (from: Date, days: number) => new Date(from.getTime() - days * 86_400_000);

describe("billing.summary", () => {
  it("adds up the ledger balance, today's and this month's usage, and the threshold", async () => {
    const org = await newOrg();
    await grant(org.orgId, 20_000_000n);
    await postLedgerEntry(p.db.prisma, {
      orgId: org.orgId,
      amountMicros: -1_500_000n,
      kind: "usage",
      idempotencyKey: `usage:${org.orgId}`,
    });
    const { day, month } = utcPeriodStarts();
    await usageRow(org, day, "demo-chat", 1_000_000n);
    await usageRow(org, month, "demo-embed", 500_000n);
    // Last month: not in this month's figure.
    await usageRow(org, daysAgo(month, 1), "demo-chat", 7_000_000n);

    const summary = await alice.trpc.billing.summary.query({ orgId: org.orgId });
    const sameDay = day.getTime() === month.getTime();
    expect(summary).toEqual({
      balanceMicros: 18_500_000n,
      reservedMicros: 0n,
      availableMicros: 18_500_000n,
      lowBalanceThresholdMicros: null,
      lowBalance: false,
      spentTodayMicros: sameDay ? 1_500_000n : 1_000_000n,
      spentThisMonthMicros: 1_500_000n,
      stripeEnabled: false,
    });

    await alice.trpc.billing.setLowBalanceThreshold.mutate({
      orgId: org.orgId,
      thresholdMicros: 20_000_000n,
    });
    const low = await alice.trpc.billing.summary.query({ orgId: org.orgId });
    expect(low).toMatchObject({ lowBalanceThresholdMicros: 20_000_000n, lowBalance: true });
    const audit = await p.db.prisma.auditLog.findFirstOrThrow({
      where: { orgId: org.orgId, action: "billing.low_balance_threshold" },
    });
    expect(audit).toMatchObject({ actorUserId: alice.userId, metadata: { from: null, to: "20000000" } });

    await alice.trpc.billing.setLowBalanceThreshold.mutate({ orgId: org.orgId, thresholdMicros: null });
    expect(await alice.trpc.billing.summary.query({ orgId: org.orgId })).toMatchObject({
      lowBalanceThresholdMicros: null,
      lowBalance: false,
    });
  });

  it("shows the balance with reserved unknown when the gateway does not answer", async () => {
    const org = await newOrg();
    await grant(org.orgId, 3_000_000n);
    const down = await startPlatform({}, { db: p.db });
    await down.inference.close();
    try {
      const bob = await down.signedIn("bob");
      await p.db.prisma.membership.create({ data: { orgId: org.orgId, userId: bob.userId, role: "viewer" } });
      expect(await bob.trpc.billing.summary.query({ orgId: org.orgId })).toMatchObject({
        balanceMicros: 3_000_000n,
        reservedMicros: null,
        availableMicros: 3_000_000n,
      });
    } finally {
      await down.close();
    }
  });

  it("lets viewers read but not manage, and hides other organizations", async () => {
    const org = await newOrg();
    const viewer = await p.signedIn("viewer");
    await p.db.prisma.membership.create({
      data: { orgId: org.orgId, userId: viewer.userId, role: "viewer" },
    });
    await viewer.trpc.billing.summary.query({ orgId: org.orgId });
    const forbidden = await rejection(
      viewer.trpc.billing.setLowBalanceThreshold.mutate({ orgId: org.orgId, thresholdMicros: 1n }),
    );
    expect(forbidden.data?.code).toBe("FORBIDDEN");
    const stranger = await p.signedIn("stranger");
    for (const call of [
      () => stranger.trpc.billing.summary.query({ orgId: org.orgId }),
      () => stranger.trpc.billing.ledger.query({ orgId: org.orgId }),
      () => stranger.trpc.billing.statements.query({ orgId: org.orgId }),
      () => stranger.trpc.billing.setLowBalanceThreshold.mutate({ orgId: org.orgId, thresholdMicros: 1n }),
    ]) {
      expect((await rejection(call())).data?.code).toBe("NOT_FOUND");
    }
    const after = await p.db.prisma.organization.findUniqueOrThrow({ where: { id: org.orgId } });
    expect(after.lowBalanceThresholdMicros).toBeNull();
    const negative = await rejection(
      alice.trpc.billing.setLowBalanceThreshold.mutate({ orgId: org.orgId, thresholdMicros: -1n }),
    );
    expect(negative.data?.code).toBe("BAD_REQUEST");
  });
});

describe("billing.ledger", () => {
  it("pages newest first without gaps or repeats, also through entries of the same instant", async () => {
    const org = await newOrg();
    for (let i = 1; i <= 7; i++) await grant(org.orgId, BigInt(i) * 1_000_000n, `page-${org.orgId}-${i}`);
    // Entries 3 to 5 share one timestamp: the id breaks the tie.
    const tie = new Date();
    await p.db.prisma.creditLedgerEntry.updateMany({
      where: { orgId: org.orgId, idempotencyKey: { in: [3, 4, 5].map((i) => `page-${org.orgId}-${i}`) } },
      data: { createdAt: tie },
    });
    const seen: bigint[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof alice.trpc.billing.ledger.query>> =
        await alice.trpc.billing.ledger.query({ orgId: org.orgId, cursor, limit: 2 });
      seen.push(...page.items.map((item) => item.amountMicros));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    const expected = await p.db.prisma.creditLedgerEntry.findMany({
      where: { orgId: org.orgId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    expect(seen).toEqual(expected.map((e) => e.amountMicros));
    expect(new Set(seen).size).toBe(7);

    const first = await alice.trpc.billing.ledger.query({ orgId: org.orgId, limit: 1 });
    expect(first.items[0]).toMatchObject({
      kind: "grant",
      actor: { id: alice.userId, email: alice.email },
      balanceAfterMicros: expected[0]!.balanceAfterMicros,
    });
    const bad = await rejection(alice.trpc.billing.ledger.query({ orgId: org.orgId, cursor: "nope" }));
    expect(bad.data?.code).toBe("BAD_REQUEST");
  });
});

describe("billing.statements", () => {
  it("sums usage per month, by model and project, with the month's credits", async () => {
    const org = await newOrg();
    const second = await p.db.prisma.project.create({
      data: { orgId: org.orgId, slug: "two", name: "Second" },
    });
    const secondKey = await createApiKey(p.db.prisma, { orgId: org.orgId, projectId: second.id, name: "k2" });
    const { month } = utcPeriodStarts();
    const lastMonth = daysAgo(month, 1);
    const lastMonthKey = lastMonth.toISOString().slice(0, 7);
    const thisMonthKey = month.toISOString().slice(0, 7);
    await usageRow(org, month, "demo-chat", 2_000_000n, 4);
    await usageRow(
      { ...org, projectId: second.id, keyId: secondKey.record.id },
      month,
      "demo-chat",
      1_000_000n,
      2,
    );
    await usageRow(org, month, "demo-embed", 100_000n, 10);
    await usageRow(org, lastMonth, "demo-chat", 5_000_000n, 3);
    // Too old for a 2-month statement.
    await usageRow(
      org,
      new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - 2, 1)),
      "demo-chat",
      9n,
    );
    await grant(org.orgId, 25_000_000n);
    await postLedgerEntry(p.db.prisma, {
      orgId: org.orgId,
      amountMicros: -3_000_000n,
      kind: "usage",
      idempotencyKey: `u:${org.orgId}`,
    });
    const old = await grant(org.orgId, 4_000_000n);
    await p.db.prisma.creditLedgerEntry.update({
      where: { id: old.entry.id },
      data: { createdAt: lastMonth },
    });

    const statements = await alice.trpc.billing.statements.query({ orgId: org.orgId, months: 2 });
    expect(statements.map((s) => s.month)).toEqual([thisMonthKey, lastMonthKey]);
    const [now, before] = statements;
    expect(now).toMatchObject({ totalMicros: 3_100_000n, credits: 25_000_000n });
    expect(now!.byModel).toEqual([
      { provider: "demo", model: "demo-chat", requests: 6, costMicros: 3_000_000n },
      { provider: "demo", model: "demo-embed", requests: 10, costMicros: 100_000n },
    ]);
    expect(now!.byProject).toEqual([
      { projectId: org.projectId, projectName: "Default project", requests: 14, costMicros: 2_100_000n },
      { projectId: second.id, projectName: "Second", requests: 2, costMicros: 1_000_000n },
    ]);
    expect(before).toMatchObject({ month: lastMonthKey, totalMicros: 5_000_000n, credits: 4_000_000n });
    expect((await alice.trpc.billing.statements.query({ orgId: org.orgId })).length).toBe(3);
  });
});

describe("billing.createCheckout", () => {
  it("says top-ups are off without Stripe, and checks the amount first", async () => {
    const org = await newOrg();
    const off = await rejection(
      alice.trpc.billing.createCheckout.mutate({ orgId: org.orgId, amountMicros: 25_000_000n }),
    );
    expect(off.data?.code).toBe("PRECONDITION_FAILED");
    expect(off.message).toBe("Top-ups are not configured on this installation.");
    for (const [amountMicros, message] of [
      [25_000_001n, "amountMicros: use whole cents, e.g. 25 or 25.50"],
      [4_990_000n, "amountMicros: the smallest top-up is $5.00"],
      [10_000_010_000n, "amountMicros: the largest top-up is $10,000.00"],
    ] as const) {
      const bad = await rejection(
        alice.trpc.billing.createCheckout.mutate({ orgId: org.orgId, amountMicros }),
      );
      expect(bad.data?.code).toBe("BAD_REQUEST");
      expect(bad.message).toBe(message);
    }
  });

  it("answers SERVICE_UNAVAILABLE, in plain words, when Stripe cannot be reached", async () => {
    const org = await newOrg();
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const env = parsePortalEnv({
      NODE_ENV: "test",
      PORTAL_PUBLIC_URL: "http://portal.test",
      STRIPE_SECRET_KEY: "sk_test_unreachable",
      STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString("hex")}`,
    });
    const logged: string[] = [];
    const log = {
      info() {},
      warn() {},
      error: (fields: object, message: string) => void logged.push(JSON.stringify({ fields, message })),
    };
    const services = {
      ...createPortalServices({ env, db: p.db, redis: undefined, log }),
      // The real SDK, pointed at a local port nobody listens on.
      stripe: new Stripe("sk_test_unreachable", {
        host: "127.0.0.1",
        port: closed,
        protocol: "http",
        maxNetworkRetries: 0,
        timeout: 2_000,
      }),
    };
    const error = await createCheckout(
      services,
      { userId: alice.userId, email: alice.email, orgId: org.orgId },
      25_000_000n,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      reason: "unavailable",
      message: "The payment page could not be opened; try again in a moment.",
    });
    expect(logged.join("\n")).not.toContain("sk_test_unreachable");
  });
});

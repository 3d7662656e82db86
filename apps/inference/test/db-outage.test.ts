// The database goes away during traffic: what needs a fresh balance fails closed (503), what is
// already known keeps serving, and usage is buffered and written exactly once when it returns.
import { createApiKey, createOrganization, postLedgerEntry } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startGateway, type TestGateway } from "./support/gateway.ts";

const adminUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!adminUrl)("database outage (PostgreSQL)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let gw: TestGateway;
  let admin: pg.Client;
  let name: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    name = new URL(db.url!).pathname.slice(1);
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    gw = await startGateway({}, { db });
  });
  afterAll(async () => {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`).catch(() => {});
    await gw.close();
    await db.close();
    await admin.end();
  });

  const send = (key: string) =>
    fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "hi" }] }),
    });

  it("fails closed where it must, keeps serving where it can, and writes usage once afterwards", async () => {
    // A second org whose balance the gateway has never loaded.
    const { org, project } = await createOrganization(db.prisma, { slug: "cold-org" });
    await postLedgerEntry(db.prisma, {
      orgId: org.id,
      amountMicros: 10_000_000n,
      kind: "grant",
      idempotencyKey: "cold",
    });
    const coldKey = (await createApiKey(db.prisma, { orgId: org.id, projectId: project.id, name: "cold" }))
      .key;
    const warm = await send(gw.key);
    expect(warm.status).toBe(200);
    // The cold key is known (cached) but its org's balance is not.
    await gw.app.inject({
      method: "GET",
      url: "/v1/models",
      headers: { authorization: `Bearer ${coldKey}` },
    });

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);

    const during = await Promise.all([send(gw.key), send(gw.key), send(gw.key)]);
    expect(during.map((r) => r.status)).toEqual([200, 200, 200]);
    const ids = during.map((r) => r.headers.get("x-request-id")!);
    const cold = await send(coldKey);
    expect(cold.status).toBe(503);
    expect(((await cold.json()) as { error: { code: string } }).error.code).toBe("service_unavailable");
    const ready = await gw.app.inject("/ready");
    expect(ready.statusCode).toBe(503);

    await new Promise((resolve) => setTimeout(resolve, 500));
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);

    const written = await eventually<number>(async () => {
      const count = await db.prisma.usageRecord.count({ where: { requestId: { in: ids } } }).catch(() => 0);
      return count === 3 ? count : undefined;
    }, 15_000);
    expect(written).toBe(3);
    // The refused request is recorded too, once, at no cost.
    const coldId = cold.headers.get("x-request-id")!;
    const refused = await eventually(
      () => db.prisma.usageRecord.findUnique({ where: { requestId: coldId } }).then((r) => r ?? undefined),
      15_000,
    );
    expect(refused).toMatchObject({ outcome: "gateway_error", httpStatus: 503, costMicros: 0n });
    // Exactly once: the ledger debited each request once.
    const usage = await db.prisma.usageRecord.aggregate({
      where: { orgId: gw.orgId },
      _sum: { costMicros: true },
    });
    const ledger = await db.prisma.creditLedgerEntry.aggregate({
      where: { orgId: gw.orgId, kind: "usage" },
      _sum: { amountMicros: true },
    });
    expect(ledger._sum.amountMicros).toBe(-(usage._sum.costMicros ?? 0n));
    expect((await send(coldKey)).status).toBe(200);
  });
});

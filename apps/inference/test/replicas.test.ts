// Two inference replicas sharing PostgreSQL and Redis, as in production: limits are exact
// across them and a revocation on one reaches the other within a second.

import type { Database } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./support/gateway.ts";

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)("two replicas sharing Redis", () => {
  let db: Database;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { REDIS_URL: redisUrl! };
    a = await startGateway(env, { db });
    b = await startGateway(env, { db, org: { orgId: a.orgId, projectId: a.projectId } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.close();
  });

  const send = (gw: TestGateway, key: string) =>
    fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "hi" }] }),
    });

  it("gives a 10/min key exactly 10 of 50 simultaneous requests across both", async () => {
    const key = await a.newKey({ rpmLimit: 10 });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i % 2 ? a : b, key)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(40);
  });

  it("stops a key on the other replica within a second of revoking it on one", async () => {
    const key = await a.newKey();
    expect((await send(b, key)).status).toBe(200); // cached as active on b
    const row = await db.prisma.apiKey.findFirstOrThrow({
      where: { orgId: a.orgId },
      orderBy: { createdAt: "desc" },
    });
    const started = Date.now();
    await a.internal.keys.revoke.mutate({ orgId: a.orgId, keyId: row.id, actorUserId: null });
    let status = 0;
    while (Date.now() - started < 1_000) {
      status = (await send(b, key)).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

// kill -9 of a replica under load. The replica is the production bundle in a child process, serving
// chat requests (streamed and not) to a mock OpenAI upstream that holds the second wave of requests
// open; once the upstream holds every one of them, the child is killed with SIGKILL. After it
// restarts on the same usage journal: every request it admitted has exactly one usage record (those
// in flight at the crash as `interrupted`, charged their prompt and flagged), the reservations it
// held are released at once (the lease here is 10 minutes, so expiry cannot be what released them),
// and ledger = sum(usage) = rollup, with the balance lowered by exactly that sum.
//
// Variants: embedded PGlite with the in-process stores (always); PostgreSQL with the in-process
// stores (TEST_DATABASE_URL); PostgreSQL and Redis (both set), where a second replica that lives
// on sees the dead one's reservations until its restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createApiKey,
  createDatabase,
  createOrganization,
  type Database,
  postLedgerEntry,
  seedPrices,
} from "@gw/db";
import { createTestDatabase, testDatabaseUrl } from "@gw/db/testing";
import { type BundledServer, startBundledServer } from "@gw/server-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  internalClient,
  startGateway,
  type TestGateway,
  testServiceToken,
} from "./support/gateway.ts";
import { type MockOpenAI, startMockOpenAI } from "./support/mock-openai.ts";
import { moneyTotals } from "./support/money.ts";

const redisUrl = process.env.TEST_REDIS_URL;
const VARIANTS = [
  { name: "embedded PGlite, stores in process", postgres: false, redis: false, skip: false },
  { name: "PostgreSQL, stores in process", postgres: true, redis: false, skip: !testDatabaseUrl },
  { name: "PostgreSQL and Redis", postgres: true, redis: true, skip: !testDatabaseUrl || !redisUrl },
];

const GRANT = 50_000_000n;
const COMPLETED = 12;
const IN_FLIGHT = 20;
const HOLD_MS = 600_000;

/** The org the replica serves, written before it starts. */
interface Tenant {
  orgId: string;
  projectId: string;
  key: string;
}

async function createTenant(db: Database): Promise<Tenant> {
  await seedPrices(db.prisma);
  const { org, project } = await createOrganization(db.prisma, { slug: "crash-test" });
  await postLedgerEntry(db.prisma, {
    orgId: org.id,
    amountMicros: GRANT,
    kind: "grant",
    idempotencyKey: `crash-test:${org.id}`,
  });
  const { key } = await createApiKey(db.prisma, { orgId: org.id, projectId: project.id, name: "load" });
  return { orgId: org.id, projectId: project.id, key };
}

for (const variant of VARIANTS) {
  describe.skipIf(variant.skip)(`kill -9 under load (${variant.name})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gw-crash-data-"));
    const journalDir = mkdtempSync(join(tmpdir(), "gw-crash-journal-"));
    let upstream: MockOpenAI;
    /** PostgreSQL, open in this process for the whole test (the PostgreSQL variants). */
    let pg: (Database & { url?: string }) | undefined;
    let tenant: Tenant;
    let replica: BundledServer | undefined;
    /** A replica that lives on (the Redis variant). */
    let survivor: TestGateway | undefined;

    const replicaEnv = (): Record<string, string> => ({
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      ...(pg ? { DATABASE_URL: pg.url! } : { DATA_DIR: dataDir }),
      ...(variant.redis ? { REDIS_URL: redisUrl! } : {}),
      USAGE_JOURNAL_DIR: journalDir,
      RESERVATION_LEASE_MS: String(HOLD_MS),
      OPENAI_API_KEY: "sk-mock-upstream",
      OPENAI_BASE_URL: upstream.url,
      DEMO_PROVIDER: "off",
      INTERNAL_SERVICE_TOKEN: testServiceToken,
    });
    const startReplica = () =>
      startBundledServer({
        appDir: join(import.meta.dirname, ".."),
        portVariable: "INFERENCE_PORT",
        env: replicaEnv(),
        timeoutMs: 60_000,
      });

    beforeAll(async () => {
      upstream = await startMockOpenAI();
      if (variant.postgres) {
        pg = await createTestDatabase();
        tenant = await createTenant(pg);
      } else {
        const db = await createDatabase({ dataDir });
        await db.migrate();
        tenant = await createTenant(db);
        await db.close();
      }
      if (variant.redis) {
        survivor = await startGateway(
          { REDIS_URL: redisUrl!, OPENAI_API_KEY: "sk-mock-upstream", OPENAI_BASE_URL: upstream.url },
          { db: pg!, org: { orgId: tenant.orgId, projectId: tenant.projectId } },
        );
      }
    });
    afterAll(async () => {
      await replica?.stop();
      await survivor?.close();
      await pg?.close();
      await upstream?.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(journalDir, { recursive: true, force: true });
    });

    const send = (url: string, stream: boolean) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          max_tokens: 200,
          stream,
          messages: [{ role: "user", content: "Tell me about crash recovery." }],
        }),
      });

    it("records every admitted request once, releases its reservations at restart, ledger = usage = rollup", async () => {
      replica = await startReplica();
      const crashed = replica;

      // Wave 1: answered in full before the crash.
      const completed = await Promise.all(
        Array.from({ length: COMPLETED }, async (_, i) => {
          const response = await send(crashed.url, i % 2 === 0);
          const body = await response.text();
          expect(response.status, body).toBe(200);
          return response.headers.get("x-request-id")!;
        }),
      );

      // Wave 2: the upstream holds each one open (a stream after its first frame).
      upstream.setBehavior((request) =>
        request.body.stream === true ? { chunkDelayMs: HOLD_MS } : { headersDelayMs: HOLD_MS },
      );
      const held = Array.from({ length: IN_FLIGHT }, (_, i) =>
        send(crashed.url, i % 2 === 0)
          .then((response) => response.text())
          .catch(() => undefined),
      );
      await eventually(
        async () => (upstream.requests.length === COMPLETED + IN_FLIGHT ? true : undefined),
        20_000,
      );
      if (survivor) {
        const reserved = await survivor.internal.credits.reserved.query({ orgId: tenant.orgId });
        expect(reserved.reservedMicros).toBeGreaterThan(0n);
      }

      await crashed.kill();
      await Promise.all(held);
      upstream.setBehavior(undefined);
      if (survivor) {
        // Its reservations outlive it in Redis (until its restart, or its lease).
        const reserved = await survivor.internal.credits.reserved.query({ orgId: tenant.orgId });
        expect(reserved.reservedMicros).toBeGreaterThan(0n);
      }

      replica = await startReplica();
      const restarted = replica;
      const internal = internalClient(restarted.url);
      for (const observer of survivor ? [internal, survivor.internal] : [internal]) {
        await eventually(async () =>
          (await observer.credits.reserved.query({ orgId: tenant.orgId })).reservedMicros === 0n
            ? true
            : undefined,
        );
      }

      let db: Database;
      if (pg) {
        db = pg;
        await eventually(async () => {
          const t = await moneyTotals(pg!, tenant.orgId);
          return t.records === COMPLETED + IN_FLIGHT && t.ledgerUsage === -t.cost ? true : undefined;
        }, 20_000);
      } else {
        // PGlite is one process's: the replica closes (writing what it holds), then it is read here.
        expect(await restarted.stop()).toBe(0);
        db = await createDatabase({ dataDir });
      }
      try {
        const totals = await moneyTotals(db, tenant.orgId);
        expect(totals.records).toBe(COMPLETED + IN_FLIGHT);
        expect(totals.ledgerUsage).toBe(-totals.cost);
        expect(totals.rollupCost).toBe(totals.cost);
        expect(totals.rollupRequests).toBe(COMPLETED + IN_FLIGHT);
        expect(totals.balance).toBe(GRANT - totals.cost);

        const records = await db.prisma.usageRecord.findMany({ where: { orgId: tenant.orgId } });
        expect(new Set(records.map((r) => r.requestId)).size).toBe(records.length);
        const success = records.filter((r) => r.outcome === "success");
        expect(new Set(success.map((r) => r.requestId))).toEqual(new Set(completed));
        const interrupted = records.filter((r) => r.outcome === "interrupted");
        expect(interrupted).toHaveLength(IN_FLIGHT);
        for (const record of interrupted) {
          expect(record).toMatchObject({
            provider: "openai",
            model: "gpt-4o-mini",
            httpStatus: 502,
            errorCode: "interrupted",
            usageEstimated: true,
            outputTokens: 0,
          });
          expect(record.inputTokens).toBeGreaterThan(0);
          expect(record.costMicros).toBeGreaterThan(0n);
        }
      } finally {
        if (!pg) await db.close();
      }
    }, 180_000);
  });
}

// Database outages while requests keep coming: the recorder keeps accepting events, retries with
// backoff, and writes every event exactly once when the database is back. On PGlite the outage is
// a transaction that fails (at once, or midway through, which must roll back); with
// TEST_DATABASE_URL it is also a real one: the database refuses connections and its backends are
// terminated, and the same Database object (a node-postgres pool) recovers when it returns.
import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "@gw/db";
import { createDatabase } from "@gw/db";
import { createTestDatabase, testDatabaseUrl } from "@gw/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsageRecorder, type UsageEvent } from "../../src/metering/usage/usage-recorder.ts";
import {
  collectLog,
  countUsage,
  createTenant,
  makeEvents,
  moneyState,
  rollupAndRecords,
  switchableDatabase,
  tempJournalDir,
  waitFor,
} from "./usage-fixtures.ts";

let db: Database & { url?: string };

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

async function expectExactlyOnce(
  database: Database,
  tenant: Awaited<ReturnType<typeof createTenant>>,
  events: UsageEvent[],
) {
  expect(await countUsage(database, tenant.orgId)).toBe(events.length);
  const state = await moneyState(database, tenant);
  const cost = events.reduce((sum, event) => sum + event.costMicros, 0n);
  expect(state.usageCost).toBe(cost);
  expect(state.usageLedger).toBe(-cost);
  expect(state.balance).toBe(tenant.initialBalance - cost);
  expect(state.chainConsistent).toBe(true);
  for (const key of state.keys) expect(key.spent).toBe(key.expectedSpent);
  const { rollup, records } = await rollupAndRecords(database, tenant.orgId);
  expect(rollup).toEqual(records);
}

describe("usage recorder during a database outage", () => {
  for (const failAfterStatements of [0, 3]) {
    it(`retries with backoff and writes exactly once when the database returns (failing ${
      failAfterStatements === 0 ? "at connect" : "midway through the transaction"
    })`, async () => {
      const tenant = await createTenant(db);
      const outage = switchableDatabase(db);
      const { log, lines } = collectLog();
      const written: UsageEvent[] = [];
      const recorder = createUsageRecorder({
        db: outage.db,
        journalDir: tempJournalDir(),
        batchSize: 20,
        flushIntervalMs: 10,
        retry: { initialMs: 10, maxMs: 80 },
        log,
        onWritten: (events) => written.push(...events),
      });
      const events = makeEvents(tenant, 90);
      for (const event of events.slice(0, 30)) recorder.record(event);
      await recorder.flush();

      outage.setDown(true, failAfterStatements);
      for (const event of events.slice(30, 60)) recorder.record(event);
      await waitFor(() => outage.failures() >= 4);
      await expect(recorder.flush()).rejects.toThrow(/simulated outage/);
      // Still accepting events, and nothing of the outage's batches reached the database.
      for (const event of events.slice(60)) recorder.record(event);
      expect(await countUsage(db, tenant.orgId)).toBe(30);
      const retries = lines.filter((line) => line.message.includes("retrying"));
      const delays = retries.map((line) => line.fields?.retryInMs as number);
      expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80]);
      expect(Math.max(...delays)).toBe(80);

      outage.setDown(false);
      // The background retry writes the backlog by itself.
      await waitFor(async () => (await countUsage(db, tenant.orgId)) === 90);
      await recorder.flush();
      await expectExactlyOnce(db, tenant, events);
      expect(written).toHaveLength(90);
      expect(lines.some((line) => line.message.includes("reachable again"))).toBe(true);
      await recorder.close();
    });
  }

  it("close() with the database down resolves and leaves the events in the journal", async () => {
    const tenant = await createTenant(db);
    const outage = switchableDatabase(db);
    outage.setDown(true);
    const { log, lines } = collectLog();
    const journalDir = tempJournalDir();
    const recorder = createUsageRecorder({ db: outage.db, journalDir, log });
    for (const event of makeEvents(tenant, 5)) recorder.record(event);
    await recorder.close();
    expect(lines.some((line) => line.message.includes("stay in the journal"))).toBe(true);
    const files = readdirSync(journalDir);
    expect(files).toHaveLength(1);
    expect(readFileSync(`${journalDir}/${files[0]}`, "utf8").trim().split("\n")).toHaveLength(5);
  });

  it.skipIf(!testDatabaseUrl)(
    "PostgreSQL: survives the server refusing connections and terminating backends",
    async () => {
      const tenant = await createTenant(db);
      const name = new URL(db.url!).pathname.slice(1);
      const admin = await createDatabase({ databaseUrl: testDatabaseUrl, poolMax: 1 });
      const { log, lines } = collectLog();
      const recorder = createUsageRecorder({
        db,
        journalDir: tempJournalDir(),
        batchSize: 25,
        flushIntervalMs: 10,
        retry: { initialMs: 20, maxMs: 200 },
        log,
      });
      const events = makeEvents(tenant, 100);
      try {
        for (const event of events.slice(0, 20)) recorder.record(event);
        await recorder.flush();
        await admin.withRunner(async (sql) => {
          await sql.exec(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
          await sql.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [
            name,
          ]);
        });
        for (const event of events.slice(20, 70)) recorder.record(event);
        await waitFor(() => lines.filter((line) => line.message.includes("retrying")).length >= 3);
        await expect(recorder.flush()).rejects.toThrow();
        for (const event of events.slice(70)) recorder.record(event);
      } finally {
        await admin.withRunner((sql) => sql.exec(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`));
        await admin.close();
      }
      await waitFor(async () => {
        try {
          return (await countUsage(db, tenant.orgId)) === 100;
        } catch {
          return false;
        }
      }, 20_000);
      await recorder.flush();
      await expectExactlyOnce(db, tenant, events);
      await recorder.close();
    },
  );
});

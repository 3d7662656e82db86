// The usage recorder against a real database (PGlite in memory, or PostgreSQL with
// TEST_DATABASE_URL): exactly one usage row per request, and rollup, ledger, balance and key
// totals that always agree with the usage rows.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsageRecorder, type UsageEvent } from "../../src/metering/usage/usage-recorder.ts";
import {
  collectLog,
  countUsage,
  createTenant,
  makeEvent,
  makeEvents,
  moneyState,
  rollupAndRecords,
  switchableDatabase,
  tempJournalDir,
} from "./usage-fixtures.ts";

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

function expectConsistent(state: Awaited<ReturnType<typeof moneyState>>, initialBalance: bigint) {
  expect(state.usageLedger).toBe(-state.usageCost);
  expect(state.balance).toBe(initialBalance - state.usageCost);
  expect(state.lastBalanceAfter).toBe(state.balance);
  expect(state.chainConsistent).toBe(true);
  for (const key of state.keys) expect(key.spent).toBe(key.expectedSpent);
}

describe("usage recorder", () => {
  it("writes one usage record per request id, even when it is recorded twice", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const written: UsageEvent[] = [];
    const recorder = createUsageRecorder({ db, journalDir, onWritten: (events) => written.push(...events) });
    const events = makeEvents(tenant, 10);
    for (const event of events) recorder.record(event);
    // Recorded again before the batch is written: the same batch holds both copies.
    for (const event of events.slice(0, 3)) recorder.record({ ...event });
    await recorder.flush();
    expect(await countUsage(db, tenant.orgId)).toBe(10);
    const before = await moneyState(db, tenant);

    // And again after it was committed: a duplicate of a stored row changes nothing.
    for (const event of events.slice(5)) recorder.record({ ...event, costMicros: 999_999n });
    await recorder.flush();
    expect(await countUsage(db, tenant.orgId)).toBe(10);
    expect(await moneyState(db, tenant)).toEqual(before);
    expect(written.map((event) => event.requestId).sort()).toEqual(
      events.map((event) => event.requestId).sort(),
    );

    await recorder.close();
    // Every event is committed: no segment is left behind.
    expect(readdirSync(journalDir)).toEqual([]);
  });

  it("keeps the daily rollup, the ledger, the org balance and the key totals equal to the usage rows", async () => {
    const tenant = await createTenant(db, { keys: 3, balanceMicros: 5_000_000n });
    // A later last_used_at than any event must survive (GREATEST, not overwrite).
    const later = new Date(Date.UTC(2030, 0, 1));
    await db.prisma.apiKey.update({ where: { id: tenant.keyIds[2]! }, data: { lastUsedAt: later } });
    const other = await createTenant(db, { keys: 1 });

    const recorder = createUsageRecorder({ db, journalDir: tempJournalDir(), batchSize: 7 });
    const events = makeEvents(tenant, 60);
    // Zero-cost requests (refusals) and an org whose batch costs nothing in total.
    events.push(
      makeEvent(tenant, 60, { outcome: "insufficient_quota", provider: null, model: null, costMicros: 0n }),
    );
    const otherEvents = makeEvents(other, 5).map((event) => ({
      ...event,
      inputCostMicros: 0n,
      outputCostMicros: 0n,
      costMicros: 0n,
    }));
    for (const event of [...events, ...otherEvents]) recorder.record(event);
    await recorder.flush();

    const { rollup, records } = await rollupAndRecords(db, tenant.orgId);
    expect(rollup).toEqual(records);
    // The rollup groups by UTC day and by served model, falling back to the requested one.
    expect(new Set(rollup.map((row) => row.day))).toEqual(new Set(["2026-03-01", "2026-03-02"]));
    expect(rollup.some((row) => row.provider === "" && row.model === "fast")).toBe(true);

    const state = await moneyState(db, tenant);
    const expectedCost = events.reduce((sum, event) => sum + event.costMicros, 0n);
    expect(state.usageCost).toBe(expectedCost);
    expect(expectedCost).toBeGreaterThan(0n);
    expectConsistent(state, tenant.initialBalance);
    // One debit per org per batch: 61 events in batches of 7 (mixed with the other org's).
    expect(state.usageEntries).toBeGreaterThanOrEqual(9);
    expect(state.usageEntries).toBeLessThanOrEqual(10);
    const entry = await db.prisma.creditLedgerEntry.findFirstOrThrow({
      where: { orgId: tenant.orgId, kind: "usage" },
      orderBy: { id: "asc" },
    });
    expect(entry.idempotencyKey).toMatch(new RegExp(`^usage:[0-9a-f-]{36}:${tenant.orgId}$`));
    expect(entry.reference).toMatch(/^\d+ requests?$/);

    for (const key of state.keys) {
      if (key.id === tenant.keyIds[2]) expect(key.lastUsedAt).toEqual(later);
      else expect(key.lastUsedAt).toEqual(key.lastCreatedAt);
    }

    // The org whose usage cost nothing: rows and rollup, but no ledger entry and no balance move.
    const otherState = await moneyState(db, other);
    expect(otherState.usageEntries).toBe(0);
    expect(otherState.balance).toBe(other.initialBalance);
    expect(otherState.keys[0]!.lastUsedAt).toEqual(otherState.keys[0]!.lastCreatedAt);
    const otherRollup = await rollupAndRecords(db, other.orgId);
    expect(otherRollup.rollup).toEqual(otherRollup.records);
    await recorder.close();
  });

  it("writes a batch of 500 events in well under a second", async () => {
    const tenant = await createTenant(db, { keys: 5 });
    const recorder = createUsageRecorder({ db, journalDir: tempJournalDir(), flushIntervalMs: 60_000 });
    const events = makeEvents(tenant, 500);
    const recordStart = performance.now();
    for (const event of events) recorder.record(event);
    const recordMs = performance.now() - recordStart;
    const start = performance.now();
    await recorder.flush();
    const flushMs = performance.now() - start;
    expect(await countUsage(db, tenant.orgId)).toBe(500);
    expect(flushMs).toBeLessThan(3_000);
    // record() is on every request: journaling 500 events takes milliseconds.
    expect(recordMs).toBeLessThan(500);
    expectConsistent(await moneyState(db, tenant), tenant.initialBalance);
    await recorder.close();
  });

  it("bounds memory: past maxQueuedEvents, events wait in the journal and are read back", async () => {
    const tenant = await createTenant(db);
    const outage = switchableDatabase(db);
    outage.setDown(true);
    const { log, lines } = collectLog();
    const journalDir = tempJournalDir();
    const written: UsageEvent[] = [];
    const recorder = createUsageRecorder({
      db: outage.db,
      journalDir,
      batchSize: 25,
      flushIntervalMs: 10,
      maxQueuedEvents: 40,
      segmentMaxEvents: 30,
      retry: { initialMs: 5, maxMs: 20 },
      log,
      onWritten: (events) => written.push(...events),
    });
    const events = makeEvents(tenant, 200);
    for (const event of events) recorder.record(event);
    expect(lines.some((line) => line.message.includes("queue full"))).toBe(true);
    // Seven segments of 30 events (the last one partly filled): all on disk.
    expect(readdirSync(journalDir).filter((name) => name.endsWith(".jsonl"))).toHaveLength(7);
    await expect(recorder.flush()).rejects.toThrow(/simulated outage/);

    outage.setDown(false);
    await recorder.flush();
    expect(await countUsage(db, tenant.orgId)).toBe(200);
    expect(written).toHaveLength(200);
    expect(new Set(written.map((event) => event.requestId))).toEqual(
      new Set(events.map((event) => event.requestId)),
    );
    expectConsistent(await moneyState(db, tenant), tenant.initialBalance);
    await recorder.close();
    expect(readdirSync(journalDir)).toEqual([]);
  });

  it("moves an event the database refuses to the dead-letter file and writes the rest", async () => {
    const tenant = await createTenant(db);
    const { log, lines } = collectLog();
    const journalDir = tempJournalDir();
    const recorder = createUsageRecorder({ db, journalDir, log });
    const events = makeEvents(tenant, 20);
    // A key that does not exist (deleted since): a foreign-key violation, not an outage.
    const poison = makeEvent(tenant, 7, { apiKeyId: "00000000-0000-4000-8000-000000000000" });
    events.splice(7, 0, poison);
    for (const event of events) recorder.record(event);
    await recorder.flush();
    expect(await countUsage(db, tenant.orgId)).toBe(20);
    expectConsistent(await moneyState(db, tenant), tenant.initialBalance);
    const dead = readFileSync(join(journalDir, "dead-letter.jsonl"), "utf8").trim().split("\n");
    expect(dead).toHaveLength(1);
    const entry = JSON.parse(dead[0]!) as { sqlState: string; event: { requestId: string } };
    expect(entry.event.requestId).toBe(poison.requestId);
    expect(entry.sqlState).toBe("23503");
    expect(lines.some((line) => line.message.includes("dead-letter"))).toBe(true);
    await recorder.close();
  });

  it("never throws from record(), and journals events recorded after close for the next start", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const { log } = collectLog();
    const recorder = createUsageRecorder({ db, journalDir, log });
    expect(() => recorder.record(null as unknown as UsageEvent)).not.toThrow();
    await recorder.close();
    recorder.record(makeEvent(tenant, 1));
    const files = readdirSync(journalDir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(journalDir, files[0]!), "utf8").split("\n")).toHaveLength(2);
  });
});

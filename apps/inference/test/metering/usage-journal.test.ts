// Crash recovery: a real child process records usage with its database down and dies (SIGKILL)
// or shuts down; the next recorder's recover() replays its journal exactly once, skips a line
// cut short by the crash, and never touches segments of live processes or other hosts.
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ZUsageOutcome } from "@gw/contracts";
import type { Database } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeUsageEvent,
  journalHost,
  parseSegmentFileName,
  processStartMs,
  segmentFileName,
} from "../../src/metering/usage/usage-journal.ts";
import { createUsageRecorder, type UsageEvent } from "../../src/metering/usage/usage-recorder.ts";
import {
  collectLog,
  countUsage,
  createTenant,
  makeEvents,
  moneyState,
  rollupAndRecords,
  switchableDatabase,
  type Tenant,
  tempJournalDir,
} from "./usage-fixtures.ts";

const childScript = fileURLToPath(new URL("./usage-crash-child.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** Runs a gateway process that records `count` events with its database down, then dies. */
function runChild(
  journalDir: string,
  tenant: Tenant,
  count: number,
  mode: "crash" | "close",
  extra: { outcomes?: readonly string[]; inFlight?: number } = {},
) {
  const input = {
    journalDir,
    mode,
    count,
    tenant: { ...tenant, initialBalance: String(tenant.initialBalance) },
    ...extra,
  };
  const result = spawnSync(process.execPath, ["--import", "tsx", childScript, JSON.stringify(input)], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 60_000,
  });
  const line = result.stdout.split("\n").find((text) => text.startsWith("{"));
  if (!line) throw new Error(`child produced no output: ${result.stderr}`);
  const output = JSON.parse(line) as { pid: number; ids: string[]; inFlight: string[] };
  return { ...output, signal: result.signal, status: result.status };
}

function segments(dir: string): string[] {
  return readdirSync(dir).filter((name) => parseSegmentFileName(name) !== undefined);
}

async function expectBooked(tenant: Tenant, count: number) {
  expect(await countUsage(db, tenant.orgId)).toBe(count);
  const state = await moneyState(db, tenant);
  expect(state.usageLedger).toBe(-state.usageCost);
  expect(state.balance).toBe(tenant.initialBalance - state.usageCost);
  expect(state.chainConsistent).toBe(true);
  for (const key of state.keys) expect(key.spent).toBe(key.expectedSpent);
  const { rollup, records } = await rollupAndRecords(db, tenant.orgId);
  expect(rollup).toEqual(records);
  return state;
}

describe("usage journal recovery", () => {
  it("replays the journal of a crashed process exactly once, however often it is replayed", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const child = runChild(journalDir, tenant, 40, "crash");
    expect(child.signal).toBe("SIGKILL");
    const left = segments(journalDir);
    expect(left).toHaveLength(1);
    expect(parseSegmentFileName(left[0]!)?.pid).toBe(child.pid);
    expect(await countUsage(db, tenant.orgId)).toBe(0);
    // Keep a copy: replaying it again later stands for a crash right after the commit.
    const backup = mkdtempSync(join(tmpdir(), "usage-backup-"));
    copyFileSync(join(journalDir, left[0]!), join(backup, left[0]!));

    const written: UsageEvent[] = [];
    const recorder = createUsageRecorder({
      db,
      journalDir,
      log: () => {},
      onWritten: (e) => written.push(...e),
    });
    expect(await recorder.recover()).toMatchObject({ replayed: 40, interrupted: 0 });
    const state = await expectBooked(tenant, 40);
    expect(new Set(written.map((event) => event.requestId))).toEqual(new Set(child.ids));
    expect(segments(journalDir)).toEqual([]);

    expect(await recorder.recover()).toMatchObject({ replayed: 0, interrupted: 0 });
    copyFileSync(join(backup, left[0]!), join(journalDir, left[0]!));
    expect(await recorder.recover()).toMatchObject({ replayed: 40, interrupted: 0 });
    expect(await expectBooked(tenant, 40)).toEqual(state);
    expect(written).toHaveLength(40);
    expect(segments(journalDir)).toEqual([]);
    await recorder.close();
  });

  it("keeps every outcome the database takes through a crash and recovery", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const outcomes = ZUsageOutcome.options;
    const child = runChild(journalDir, tenant, outcomes.length, "crash", { outcomes });
    expect(child.signal).toBe("SIGKILL");
    const recorder = createUsageRecorder({ db, journalDir, log: () => {} });
    expect(await recorder.recover()).toMatchObject({ replayed: outcomes.length, interrupted: 0 });
    const rows = await db.prisma.usageRecord.findMany({
      where: { orgId: tenant.orgId },
      select: { outcome: true },
    });
    expect(rows.map((row) => row.outcome).sort()).toEqual([...outcomes].sort());
    await expectBooked(tenant, outcomes.length);
    await recorder.close();
  });

  it("records requests admitted but never settled by a crashed process as interrupted, once", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const child = runChild(journalDir, tenant, 12, "crash", { inFlight: 5 });
    const backup = mkdtempSync(join(tmpdir(), "usage-backup-"));
    for (const name of segments(journalDir)) copyFileSync(join(journalDir, name), join(backup, name));

    const recorder = createUsageRecorder({ db, journalDir, log: () => {} });
    const recovered = await recorder.recover();
    expect(recovered).toMatchObject({ replayed: 12, interrupted: 5 });
    // The interrupted requests hold reservations; so may the ones settled just before the crash.
    const abandoned = new Set(recovered.abandoned.map((entry) => entry.requestId));
    for (const id of child.inFlight) expect(abandoned.has(id)).toBe(true);
    expect(recovered.abandoned.every((entry) => entry.orgId === tenant.orgId)).toBe(true);

    const interrupted = await db.prisma.usageRecord.findMany({
      where: { orgId: tenant.orgId, outcome: "interrupted" },
    });
    expect(interrupted.map((row) => row.requestId).sort()).toEqual([...child.inFlight].sort());
    for (const row of interrupted) {
      // Charged the prompt at the admission's estimate, flagged as the gateway's count.
      expect(row).toMatchObject({
        inputTokens: 100,
        outputTokens: 0,
        costMicros: 300n,
        usageEstimated: true,
      });
    }
    const state = await expectBooked(tenant, 17);
    // Left: only this recorder's own segment, which journaled the interrupted records.
    expect(segments(journalDir).map((name) => parseSegmentFileName(name)?.pid)).toEqual([process.pid]);

    // The same journal again (a crash right after the commit): nothing is counted twice.
    for (const name of readdirSync(backup)) copyFileSync(join(backup, name), join(journalDir, name));
    expect(await recorder.recover()).toMatchObject({ replayed: 12, interrupted: 5 });
    expect(await expectBooked(tenant, 17)).toEqual(state);
    await recorder.close();
    expect(segments(journalDir)).toEqual([]);
  });

  it("skips a line cut short by the crash, with a log line", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    runChild(journalDir, tenant, 10, "crash");
    const [segment] = segments(journalDir);
    appendFileSync(join(journalDir, segment!), '{"v":1,"requestId":"cut-short","orgId":"');
    const { log, lines } = collectLog();
    const recorder = createUsageRecorder({ db, journalDir, log });
    expect(await recorder.recover()).toMatchObject({ replayed: 10, interrupted: 0 });
    await expectBooked(tenant, 10);
    expect(
      lines.some((line) => line.message.includes("malformed journal line") && line.fields?.line === 11),
    ).toBe(true);
    await recorder.close();
  });

  it("replays what a process shut down with the database down left in the journal", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const child = runChild(journalDir, tenant, 25, "close");
    expect(child.status).toBe(0);
    expect(segments(journalDir)).toHaveLength(1);
    const recorder = createUsageRecorder({ db, journalDir, log: () => {} });
    expect(await recorder.recover()).toMatchObject({ replayed: 25, interrupted: 0 });
    await expectBooked(tenant, 25);
    await recorder.close();
  });

  it("leaves segments of live processes and of other hosts alone", async () => {
    const tenant = await createTenant(db);
    const journalDir = tempJournalDir();
    const lines = (events: UsageEvent[]) => events.map(encodeUsageEvent).join("");

    // A live recorder of this process, its database down: its open segment is not to be touched.
    const outage = switchableDatabase(db);
    outage.setDown(true);
    const live = createUsageRecorder({ db: outage.db, journalDir, log: () => {} });
    const liveEvents = makeEvents(tenant, 3);
    for (const event of liveEvents) live.record(event);
    const liveSegment = segments(journalDir)[0]!;

    // Our parent process is alive; a segment of another host is not ours to judge.
    const parent = segmentFileName(
      { host: journalHost, pid: process.ppid, startMs: 1, instance: "0000000a" },
      1,
    );
    const otherHost = segmentFileName(
      { host: "other.host", pid: 999_999, startMs: 1, instance: "0000000b" },
      1,
    );
    // Same pid as ours but another start time: a predecessor (PID 1 in a restarted container).
    const predecessor = segmentFileName(
      { host: journalHost, pid: process.pid, startMs: processStartMs - 60_000, instance: "0000000c" },
      1,
    );
    writeFileSync(join(journalDir, parent), lines(makeEvents(tenant, 4, 10)));
    writeFileSync(join(journalDir, otherHost), lines(makeEvents(tenant, 5, 20)));
    writeFileSync(join(journalDir, predecessor), lines(makeEvents(tenant, 6, 30)));

    const recorder = createUsageRecorder({ db, journalDir, log: () => {} });
    expect(await recorder.recover()).toMatchObject({ replayed: 6, interrupted: 0 });
    expect(await countUsage(db, tenant.orgId)).toBe(6);
    expect(segments(journalDir).sort()).toEqual([liveSegment, parent, otherHost].sort());

    outage.setDown(false);
    await live.close();
    await recorder.close();
    expect(await countUsage(db, tenant.orgId)).toBe(9);
    expect(segments(journalDir).sort()).toEqual([parent, otherHost].sort());
  });
});

// The usage recorder of the hot path: exactly one usage record per request, written off the hot
// path in batches, never lost.
//
// admitted() journals a request admitted and about to go upstream; record() closes it. A segment
// holding an admission that is still open is kept, so a process that dies mid-request leaves the
// admission for the next start, which records the request as `interrupted` (charged its prompt
// estimate, flagged) and reports the dead process's reservations for release (recover()).
//
// record() appends the event to the journal (usage-journal.ts: a synchronous append of one JSON
// line, so it survives a crash of this process) and queues it in memory. A timer writes queued
// events in batches through writeUsageBatch (@gw/db): one transaction per batch that inserts the
// usage rows idempotently on request_id and, for the new rows only, updates the daily rollup, the
// ledger and org balance, and the API keys' totals. A journal segment is deleted once every event
// in it is committed.
//
// When the database fails, events stay queued (and journaled) and the writer retries with
// exponential backoff; record() keeps accepting events. Memory is bounded: past `maxQueuedEvents`
// the newest segment keeps its events only on disk ("spilled") and is read back when the writer
// reaches it. A batch the database refuses for its data (SQLSTATE class 22/23, e.g. a key deleted
// since) is bisected; the event that cannot be written goes to <journalDir>/dead-letter.jsonl with
// the error, and the rest are written. Nothing is ever retried forever because of one bad event.
import { randomBytes } from "node:crypto";
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { type Database, isUsageDataError, sqlStateOf, type UsageRecordInput, writeUsageBatch } from "@gw/db";
import {
  type AdmissionRecord,
  appendLine,
  encodeAdmission,
  encodeUsageEvent,
  interruptedEvent,
  isOwnerAlive,
  journalHost,
  parseSegmentFileName,
  processStartMs,
  readSegment,
  type SegmentOwner,
  segmentFileName,
} from "./usage-journal.ts";

/** One request's usage record, as the database stores it (the db package's batch writer input). */
export type UsageEvent = UsageRecordInput;

/** A reservation a dead process may have left behind, found in its journal. */
export interface AbandonedReservation {
  requestId: string;
  orgId: string;
}

export interface RecoveryResult {
  /** Usage events of previous processes written (or found written). */
  replayed: number;
  /** Admitted requests without a usage event: recorded as `interrupted`. */
  interrupted: number;
  /**
   * Requests of the dead processes that may still hold a reservation: the interrupted ones, and
   * those settled in their last moments (a settle goes to the credit store just after the journal).
   */
  abandoned: AbandonedReservation[];
}

export interface UsageRecorder {
  /** Journals that a request was admitted and is about to go upstream (synchronously, before the upstream call). */
  admitted(record: AdmissionRecord): void;
  /** Journals the event durably (synchronously, before the caller finishes the response) and queues it for the batch writer. Must be cheap: it is on every request. */
  record(event: UsageEvent): void;
  /**
   * Replays journal segments left by previous processes (crash) into the database, with an
   * `interrupted` record for each request they admitted but never recorded. Call at start-up.
   */
  recover(): Promise<RecoveryResult>;
  /** Writes everything queued now (tests, shutdown). Resolves when the queue is empty or rejects if the database is down. */
  flush(): Promise<void>;
  /** Stops the timer, flushes what it can, closes the journal. Entries not written stay in the journal for next start. */
  close(): Promise<void>;
}

export interface UsageRecorderOptions {
  db: Database;
  /** e.g. <DATA_DIR>/usage-journal; created when missing. May be shared by processes on one host. */
  journalDir: string;
  /** Events per transaction; default 500. */
  batchSize?: number;
  /** How often queued events are written; default 200 ms. */
  flushIntervalMs?: number;
  /** Called after a batch is committed with the events that were newly written (not duplicates). */
  onWritten?: (events: UsageEvent[]) => void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Backoff after a failed write; default 100 ms doubling up to 5 s. */
  retry?: { initialMs: number; maxMs: number };
  /** A segment is closed after this many events; default 10,000. */
  segmentMaxEvents?: number;
  /** ...or when it is this old; default 30 s. */
  segmentMaxAgeMs?: number;
  /** Events held in memory at most (default 100,000); beyond, new events wait on disk only. */
  maxQueuedEvents?: number;
  /**
   * How long a reservation outlives its process (the credit store's lease); default 30 s. Requests a
   * dead process settled this long before its last journal line hold no reservation any more.
   */
  reservationLeaseMs?: number;
}

/** A recorder that records nothing (metering off). */
export const noopUsageRecorder: UsageRecorder = {
  admitted: () => {},
  record: () => {},
  recover: () => Promise.resolve({ replayed: 0, interrupted: 0, abandoned: [] }),
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

interface Segment {
  /** null: the memory-only queue used while the journal cannot be written. */
  readonly path: string | null;
  fd: number | null;
  /** No more appends; deleted once every event in it is committed. */
  sealed: boolean;
  /** Uncommitted events, oldest first; null while they are only on disk (spilled or recovered). */
  mem: UsageEvent[] | null;
  /** Usage events this process appended. */
  appended: number;
  /** Admissions this process appended, and how many of them are still open (kept until 0). */
  admissions: number;
  open: number;
  /** Leading events committed (the writer always takes from the head). */
  committed: number;
  readonly openedAt: number;
  /** Adopted from a previous process by recover(); how many events it held, once read. */
  readonly recovered: boolean;
  recoveredEvents: number;
  removed: boolean;
}

interface FlushTarget {
  segment: Segment;
  /** Committed count that settles the segment; Infinity: settled only when it is deleted. */
  target: number;
}

const DEAD_LETTER_FILE = "dead-letter.jsonl";
const JOURNAL_RETRY_MS = 1_000;
const LOG_EVERY_MS = 10_000;

function errorFields(error: unknown): Record<string, unknown> {
  return { error: error instanceof Error ? error.message : String(error), sqlState: sqlStateOf(error) };
}

class JournaledUsageRecorder implements UsageRecorder {
  private readonly db: Database;
  private readonly dir: string;
  private readonly batchSize: number;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly segmentMaxEvents: number;
  private readonly segmentMaxAgeMs: number;
  private readonly maxQueued: number;
  private readonly leaseMs: number;
  private readonly onWritten: ((events: UsageEvent[]) => void) | undefined;
  private readonly log: (message: string, fields?: Record<string, unknown>) => void;
  private readonly owner: SegmentOwner;
  private readonly timer: NodeJS.Timeout;

  private readonly segments: Segment[] = [];
  /** The segment holding each open admission. */
  private readonly openAdmissions = new Map<string, Segment>();
  private active: Segment | null = null;
  private memoryOnly: Segment | null = null;
  private nextSeq = 1;
  /** Events held in `mem` arrays. */
  private inMemory = 0;
  private spilling = false;

  /** One write cycle at a time: batches are taken from the head of the queue. */
  private lock: Promise<unknown> = Promise.resolve();
  private draining = false;
  private drainScheduled = false;
  private failures = 0;
  private backoffUntil = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  private journalDownUntil = 0;
  private lastJournalLog = 0;
  private journalFailuresSinceLog = 0;
  private lastDropLog = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private latePath: string | undefined;

  constructor(options: UsageRecorderOptions) {
    this.db = options.db;
    this.dir = options.journalDir;
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.retry = options.retry ?? { initialMs: 100, maxMs: 5_000 };
    this.segmentMaxEvents = Math.max(1, options.segmentMaxEvents ?? 10_000);
    this.segmentMaxAgeMs = options.segmentMaxAgeMs ?? 30_000;
    this.maxQueued = Math.max(1, options.maxQueuedEvents ?? 100_000);
    this.leaseMs = options.reservationLeaseMs ?? 30_000;
    this.onWritten = options.onWritten;
    this.log = options.log ?? ((message, fields) => console.warn(message, fields ?? {}));
    this.owner = {
      host: journalHost,
      pid: process.pid,
      startMs: processStartMs,
      instance: randomBytes(4).toString("hex"),
    };
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      this.log("usage: cannot create the journal folder", { dir: this.dir, ...errorFields(error) });
    }
    this.timer = setInterval(() => this.tick(), Math.max(1, options.flushIntervalMs ?? 200));
    this.timer.unref();
  }

  admitted(record: AdmissionRecord): void {
    // After close the request's usage event goes to a file of its own, which the next start replays.
    if (this.closed) return;
    try {
      const segment = this.append(encodeAdmission(record));
      if (segment === null) return;
      segment.admissions++;
      segment.open++;
      this.openAdmissions.set(record.requestId, segment);
      if (segment.appended + segment.admissions >= this.segmentMaxEvents) this.seal(segment);
    } catch (error) {
      this.log("usage: could not journal an admission", {
        requestId: record?.requestId,
        ...errorFields(error),
      });
    }
  }

  record(event: UsageEvent): void {
    try {
      this.enqueue(event);
      // Its usage event is journaled (or the journal is down): the admission is closed.
      const admission = this.openAdmissions.get(event.requestId);
      if (admission !== undefined) {
        this.openAdmissions.delete(event.requestId);
        admission.open--;
        this.removeIfDone(admission);
      }
    } catch (error) {
      // Never throws into the request; this is a bug (e.g. an event that is not an object).
      this.log("usage: could not record an event", { requestId: event?.requestId, ...errorFields(error) });
    }
  }

  /** Journals an event and queues it for the writer. */
  private enqueue(event: UsageEvent): void {
    const line = encodeUsageEvent(event);
    if (this.closed) {
      this.recordAfterClose(line, event);
      return;
    }
    const segment = this.append(line);
    if (segment === null) {
      this.keepInMemoryOnly(event);
    } else {
      segment.appended++;
      if (segment.mem !== null) {
        if (this.inMemory < this.maxQueued) {
          segment.mem.push(event);
          this.inMemory++;
        } else {
          this.spill(segment);
        }
      }
      if (segment.appended + segment.admissions >= this.segmentMaxEvents) this.seal(segment);
    }
    if (this.inMemory >= this.batchSize || this.spilling) this.drainSoon();
  }

  async recover(): Promise<RecoveryResult> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT")
        return { replayed: 0, interrupted: 0, abandoned: [] };
      throw error;
    }
    const adopted: Segment[] = [];
    for (const name of names.sort()) {
      const owner = parseSegmentFileName(name);
      if (!owner || isOwnerAlive(owner)) continue;
      // Claim the file by renaming it into our own name space: a second process recovering at the
      // same time fails the rename and skips it; if we crash, the next start recovers it from us.
      const path = join(this.dir, segmentFileName(this.owner, this.nextSeq++));
      try {
        renameSync(join(this.dir, name), path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          this.log("usage: cannot claim a journal segment", { file: name, ...errorFields(error) });
        }
        continue;
      }
      adopted.push({
        path,
        fd: null,
        sealed: true,
        mem: null,
        appended: 0,
        admissions: 0,
        open: 0,
        committed: 0,
        openedAt: Date.now(),
        recovered: true,
        recoveredEvents: 0,
        removed: false,
      });
    }
    if (adopted.length === 0) return { replayed: 0, interrupted: 0, abandoned: [] };
    this.log("usage: replaying journal segments left by a previous process", { segments: adopted.length });
    const { open, settledLast } = await this.scanAdopted(adopted);
    // Journaled in this process's own segment before anything else is written, so the adopted
    // segments (and their admissions) may go as soon as their own events are in the database.
    for (const admission of open) this.enqueue(interruptedEvent(admission));
    this.segments.unshift(...adopted);
    await this.flush();
    const replayed = adopted.reduce((sum, segment) => sum + segment.recoveredEvents, 0);
    this.log("usage: journal replayed", {
      segments: adopted.length,
      events: replayed,
      interrupted: open.length,
    });
    const abandoned = [...open, ...settledLast].map(({ requestId, orgId }) => ({ requestId, orgId }));
    return { replayed, interrupted: open.length, abandoned };
  }

  /**
   * Reads adopted segments once for what their admissions say: the admissions without a usage event
   * (the requests in flight when their process died), and the requests settled within a reservation
   * lease of the last one (their settle may not have reached the credit store). Memory stays bounded
   * by the requests in flight and the last lease's requests, not by the size of the journal.
   */
  private async scanAdopted(
    adopted: Segment[],
  ): Promise<{ open: AdmissionRecord[]; settledLast: { requestId: string; orgId: string }[] }> {
    const open = new Map<string, AdmissionRecord>();
    let recent: { requestId: string; orgId: string; end: number }[] = [];
    let lastEnd = Number.NEGATIVE_INFINITY;
    for (const segment of adopted) {
      let contents: Awaited<ReturnType<typeof readSegment>>;
      try {
        contents = await readSegment(segment.path!, () => {});
      } catch (error) {
        // Left for a later start; its events are read (and reported) again by the writer.
        this.log("usage: cannot read a journal segment", { file: segment.path, ...errorFields(error) });
        continue;
      }
      for (const admission of contents.admissions) open.set(admission.requestId, admission);
      for (const event of contents.events) {
        open.delete(event.requestId);
        const end = event.createdAt.getTime() + event.latencyMs;
        if (end > lastEnd) lastEnd = end;
        if (end >= lastEnd - this.leaseMs)
          recent.push({ requestId: event.requestId, orgId: event.orgId, end });
      }
      if (recent.length > 10_000) recent = recent.filter((entry) => entry.end >= lastEnd - this.leaseMs);
    }
    return {
      open: [...open.values()],
      settledLast: recent.filter((entry) => entry.end >= lastEnd - this.leaseMs),
    };
  }

  async flush(): Promise<void> {
    const targets = this.flushTargets();
    while (!this.reached(targets)) {
      let wrote: boolean;
      try {
        wrote = await this.exclusive(() => this.cycle());
      } catch (error) {
        this.failed(error);
        throw error;
      }
      this.succeeded();
      if (!wrote && !this.reached(targets)) {
        throw new Error("usage: queued events could not be read back from the journal");
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      clearTimeout(this.retryTimer);
      try {
        await this.flush();
      } catch (error) {
        this.log(
          "usage: could not write every queued event before closing; they stay in the journal for the next start",
          {
            queued: this.queued(),
            ...errorFields(error),
          },
        );
      }
      this.closed = true;
      await this.lock.catch(() => {});
      clearTimeout(this.retryTimer);
      if (this.active) this.seal(this.active);
      const lost = this.memoryOnly?.mem?.length ?? 0;
      if (lost > 0) {
        this.log("usage: events that could not be journaled nor written are lost", { events: lost });
      }
    })();
    return this.closing;
  }

  // ---- journal ----

  private openSegment(): Segment {
    const path = join(this.dir, segmentFileName(this.owner, this.nextSeq++));
    let fd: number;
    try {
      fd = openSync(path, "a");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      mkdirSync(this.dir, { recursive: true });
      fd = openSync(path, "a");
    }
    const spilled = this.inMemory >= this.maxQueued;
    const segment: Segment = {
      path,
      fd,
      sealed: false,
      mem: spilled ? null : [],
      appended: 0,
      admissions: 0,
      open: 0,
      committed: 0,
      openedAt: Date.now(),
      recovered: false,
      recoveredEvents: 0,
      removed: false,
    };
    this.segments.push(segment);
    this.active = segment;
    if (spilled && !this.spilling) {
      this.spilling = true;
      this.log("usage: queue full; new usage events wait in the journal until the database catches up", {
        queued: this.queued(),
      });
    }
    return segment;
  }

  /** Appends a line to the active segment; null when the journal cannot be written. */
  private append(line: string): Segment | null {
    if (Date.now() < this.journalDownUntil) return null;
    try {
      const segment = this.active ?? this.openSegment();
      appendLine(segment.fd!, line);
      return segment;
    } catch (error) {
      this.journalDownUntil = Date.now() + JOURNAL_RETRY_MS;
      // The failed write may have left part of a line: end the segment there (readers skip it).
      if (this.active) this.seal(this.active);
      this.journalFailuresSinceLog++;
      if (Date.now() - this.lastJournalLog >= LOG_EVERY_MS) {
        this.log("usage: cannot write the journal; events are kept in memory only until it works again", {
          dir: this.dir,
          failures: this.journalFailuresSinceLog,
          ...errorFields(error),
        });
        this.lastJournalLog = Date.now();
        this.journalFailuresSinceLog = 0;
      }
      return null;
    }
  }

  private keepInMemoryOnly(event: UsageEvent): void {
    // Neither journal nor room: with the disk failing and the database behind, memory is the only
    // copy; past twice the queue bound the event is dropped rather than exhausting memory.
    if (this.inMemory >= this.maxQueued * 2) {
      if (Date.now() - this.lastDropLog >= LOG_EVERY_MS) {
        this.log("usage: journal unavailable and queue full; dropping usage events", {
          requestId: event.requestId,
        });
        this.lastDropLog = Date.now();
      }
      return;
    }
    if (!this.memoryOnly) {
      this.memoryOnly = {
        path: null,
        fd: null,
        sealed: false,
        mem: [],
        appended: 0,
        admissions: 0,
        open: 0,
        committed: 0,
        openedAt: Date.now(),
        recovered: false,
        recoveredEvents: 0,
        removed: false,
      };
      this.segments.push(this.memoryOnly);
    }
    this.memoryOnly.mem!.push(event);
    this.memoryOnly.appended++;
    this.inMemory++;
  }

  /** The queue is full: this segment's events live on disk only until the writer reads them back. */
  private spill(segment: Segment): void {
    if (segment.mem === null || segment.path === null) return;
    this.inMemory -= segment.mem.length;
    segment.mem = null;
    if (!this.spilling) {
      this.spilling = true;
      this.log("usage: queue full; new usage events wait in the journal until the database catches up", {
        queued: this.queued(),
      });
    }
  }

  private seal(segment: Segment): void {
    if (segment.fd !== null) {
      try {
        closeSync(segment.fd);
      } catch {}
      segment.fd = null;
    }
    segment.sealed = true;
    if (this.active === segment) this.active = null;
    this.removeIfDone(segment);
  }

  private removeIfDone(segment: Segment): void {
    if (segment.removed || !segment.sealed || segment.mem === null || segment.mem.length > 0) return;
    if (segment.open > 0) return;
    if (segment.path === null) return;
    try {
      unlinkSync(segment.path);
    } catch (error) {
      // Left behind, it is replayed (idempotently) by a later start.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        this.log("usage: cannot delete a written journal segment", {
          file: segment.path,
          ...errorFields(error),
        });
      }
    }
    segment.removed = true;
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
  }

  private recordAfterClose(line: string, event: UsageEvent): void {
    // Straggler after close: journal it for the next start, which replays it.
    try {
      this.latePath ??= join(this.dir, segmentFileName(this.owner, this.nextSeq++));
      appendFileSync(this.latePath, line);
    } catch (error) {
      this.log("usage: event recorded after close could not be journaled; lost", {
        requestId: event.requestId,
        ...errorFields(error),
      });
    }
  }

  // ---- writer ----

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => {});
    return run;
  }

  private queued(): number {
    let total = 0;
    for (const segment of this.segments) {
      total += segment.mem !== null ? segment.mem.length : Math.max(0, segment.appended - segment.committed);
    }
    return total;
  }

  private hasWork(): boolean {
    return this.segments.some((segment) => segment.mem === null || segment.mem.length > 0);
  }

  private flushTargets(): FlushTarget[] {
    return this.segments.map((segment) => ({
      segment,
      target:
        segment.mem !== null
          ? segment.committed + segment.mem.length
          : segment.recovered
            ? Number.POSITIVE_INFINITY
            : segment.appended,
    }));
  }

  private reached(targets: FlushTarget[]): boolean {
    return targets.every(({ segment, target }) => segment.removed || segment.committed >= target);
  }

  /** Reads a segment's uncommitted events back from disk. False when it cannot be read now. */
  private async load(segment: Segment): Promise<boolean> {
    if (segment.path === null) return false;
    // A spilled active segment stops growing before it is read back.
    if (!segment.sealed) this.seal(segment);
    let events: UsageEvent[];
    try {
      ({ events } = await readSegment(segment.path, (line, reason) =>
        this.log("usage: skipped a malformed journal line", { file: segment.path, line, reason }),
      ));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.log("usage: a journal segment disappeared before it was written", { file: segment.path });
        segment.mem = [];
        segment.removed = true;
        this.segments.splice(this.segments.indexOf(segment), 1);
      } else {
        this.log("usage: cannot read a journal segment", { file: segment.path, ...errorFields(error) });
      }
      return false;
    }
    if (segment.recovered) segment.recoveredEvents = events.length;
    const rest = events.slice(segment.committed);
    segment.mem = rest;
    this.inMemory += rest.length;
    if (!this.segments.some((other) => other.mem === null)) this.spilling = false;
    this.removeIfDone(segment);
    return true;
  }

  /** Writes one batch from the head of the queue. False when there was nothing to write. */
  private async cycle(): Promise<boolean> {
    const events: UsageEvent[] = [];
    const pieces: { segment: Segment; count: number }[] = [];
    for (const segment of [...this.segments]) {
      if (events.length >= this.batchSize) break;
      if (segment.removed) continue;
      if (segment.mem === null && !(await this.load(segment))) continue;
      const mem = segment.mem;
      if (mem === null || mem.length === 0) continue;
      const count = Math.min(mem.length, this.batchSize - events.length);
      for (let i = 0; i < count; i++) events.push(mem[i]!);
      pieces.push({ segment, count });
    }
    if (events.length === 0) return false;
    await this.write(events);
    for (const { segment, count } of pieces) {
      segment.committed += count;
      if (segment.mem !== null) {
        segment.mem.splice(0, count);
        this.inMemory -= count;
      }
      this.removeIfDone(segment);
    }
    return true;
  }

  /** Writes events; a batch refused for its data is split until the bad event is isolated. */
  private async write(events: UsageEvent[]): Promise<void> {
    try {
      const result = await writeUsageBatch(this.db.prisma, events);
      if (result.written.length > 0 && this.onWritten) {
        try {
          this.onWritten(result.written);
        } catch (error) {
          this.log("usage: onWritten failed", errorFields(error));
        }
      }
    } catch (error) {
      if (!isUsageDataError(error)) throw error;
      if (events.length === 1) {
        this.deadLetter(events[0]!, error);
        return;
      }
      const middle = events.length >> 1;
      await this.write(events.slice(0, middle));
      await this.write(events.slice(middle));
    }
  }

  private deadLetter(event: UsageEvent, error: unknown): void {
    const fields = errorFields(error);
    const line = encodeUsageEvent(event);
    this.log("usage: the database refused a usage record; moved to the dead-letter file", {
      requestId: event.requestId,
      file: join(this.dir, DEAD_LETTER_FILE),
      ...fields,
    });
    try {
      appendFileSync(
        join(this.dir, DEAD_LETTER_FILE),
        `${JSON.stringify({ failedAt: new Date().toISOString(), ...fields, event: JSON.parse(line) })}\n`,
      );
    } catch (writeError) {
      this.log("usage: cannot write the dead-letter file", {
        event: line.trim(),
        ...errorFields(writeError),
      });
    }
  }

  private succeeded(): void {
    if (this.failures > 0) {
      this.log("usage: database reachable again; writing the backlog", {
        failedAttempts: this.failures,
        queued: this.queued(),
      });
    }
    this.failures = 0;
    this.backoffUntil = 0;
  }

  private failed(error: unknown): void {
    this.failures++;
    const delay = Math.min(this.retry.initialMs * 2 ** (this.failures - 1), this.retry.maxMs);
    this.backoffUntil = Date.now() + delay;
    this.log("usage: writing usage records failed; retrying", {
      attempt: this.failures,
      retryInMs: delay,
      queued: this.queued(),
      ...errorFields(error),
    });
    if (!this.closed && !this.closing) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.drain(), delay);
      this.retryTimer.unref();
    }
  }

  private drainSoon(): void {
    if (this.drainScheduled || this.draining || this.closed || Date.now() < this.backoffUntil) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  /** Background writing: one batch per lock turn, so flush() and close() interleave. */
  private async drain(): Promise<void> {
    if (this.draining || this.closed || this.closing || Date.now() < this.backoffUntil) return;
    this.draining = true;
    try {
      while (!this.closed && !this.closing && this.hasWork()) {
        if (!(await this.exclusive(() => this.cycle()))) break;
        this.succeeded();
      }
    } catch (error) {
      this.failed(error);
    } finally {
      this.draining = false;
    }
  }

  private tick(): void {
    const active = this.active;
    if (active && Date.now() - active.openedAt >= this.segmentMaxAgeMs) this.seal(active);
    if (this.hasWork()) void this.drain();
  }
}

/** A usage recorder journaling to `journalDir` and writing to `db` in batches. */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  return new JournaledUsageRecorder(options);
}

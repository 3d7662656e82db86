// The usage journal on disk: segment files of JSON lines, appended with a synchronous write to an
// open descriptor. A line is a usage event (one per request, whatever happened) or an admission (a
// request admitted and about to go upstream, written before the upstream call, so that a request in
// flight when its process dies is still recorded, as `interrupted`, at the next start). There is no fsync per event: a line is in the OS page
// cache once write(2) returns, so it survives a crash of this process (the case that matters: a
// deploy, an OOM kill, an uncaught error), but an OS crash or power loss can lose the last moments.
//
// Segment names carry their owner: usage-<host>-<pid>-<process start ms>-<instance>-<seq>.jsonl.
// A segment may be recovered (replayed into the database, then deleted) only when its owner is
// gone: same host, and either the pid is not alive, or the pid is this process' own but the start
// time differs (a predecessor that had the same pid, as PID 1 in a restarted container). Segments
// of other hosts (a shared volume) and of live processes are never touched. A dead owner's pid
// reused by an unrelated live process only delays recovery until that process exits; replays are
// idempotent on request_id, so recovering twice never counts twice.
import { writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { ZUsageOutcome } from "@gw/contracts";
import type { UsageEvent } from "./usage-recorder.ts";

export interface SegmentOwner {
  host: string;
  pid: number;
  /** When the owning process started (ms since epoch). */
  startMs: number;
  /** Distinguishes recorders within one process. */
  instance: string;
}

const START_KEY = Symbol.for("gw.usage-journal.process-start-ms");
const globals = globalThis as { [START_KEY]?: number };
/** This process' start time, the same for every copy of this module loaded in the process. */
globals[START_KEY] ??= Math.round(Date.now() - process.uptime() * 1000);
export const processStartMs: number = globals[START_KEY];
/** How far two computations of one process' start may differ (clock steps between them). */
const START_TOLERANCE_MS = 1_000;

export const journalHost: string = hostname().replace(/[^A-Za-z0-9.]/g, "_") || "localhost";

const SEGMENT_NAME = /^usage-(.+)-(\d+)-(\d+)-([0-9a-f]{8})-(\d{6,})\.jsonl$/;

export function segmentFileName(owner: SegmentOwner, seq: number): string {
  return `usage-${owner.host}-${owner.pid}-${owner.startMs}-${owner.instance}-${String(seq).padStart(6, "0")}.jsonl`;
}

export function parseSegmentFileName(name: string): (SegmentOwner & { seq: number }) | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (!match) return undefined;
  const [, host, pid, startMs, instance, seq] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { host, pid: Number(pid), startMs: Number(startMs), instance, seq: Number(seq) };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** False only when the owner is certainly gone: same host and a dead pid, or a predecessor of ours. */
export function isOwnerAlive(owner: SegmentOwner): boolean {
  if (owner.host !== journalHost) return true;
  if (owner.pid === process.pid) return Math.abs(owner.startMs - processStartMs) <= START_TOLERANCE_MS;
  return pidAlive(owner.pid);
}

/**
 * A request admitted and about to go upstream, journaled before the upstream call: if the process
 * dies before the request's usage event is journaled, the next start records it as `interrupted`,
 * charged its prompt at the admission's estimate, and releases its reservation.
 */
export interface AdmissionRecord {
  requestId: string;
  orgId: string;
  projectId: string;
  apiKeyId: string;
  endpoint: string;
  requestedModel: string;
  stream: boolean;
  /** The first target it would be served by. */
  provider: string | null;
  model: string | null;
  /** The prompt as the gateway counted it, and its cost at that target's price. */
  inputTokens: number;
  inputCostMicros: bigint;
  createdAt: Date;
}

const validDate = (date: Date) => (Number.isNaN(date.getTime()) ? new Date() : date);

/** One journal line: the event as JSON, bigints as decimal strings, the date in ISO 8601. */
export function encodeUsageEvent(event: UsageEvent): string {
  return `${JSON.stringify({
    v: 1,
    requestId: event.requestId,
    orgId: event.orgId,
    projectId: event.projectId,
    apiKeyId: event.apiKeyId,
    endpoint: event.endpoint,
    requestedModel: event.requestedModel,
    provider: event.provider,
    model: event.model,
    stream: event.stream,
    inputTokens: event.inputTokens,
    outputTokens: event.outputTokens,
    cachedInputTokens: event.cachedInputTokens,
    cacheWriteTokens: event.cacheWriteTokens,
    reasoningTokens: event.reasoningTokens,
    usageEstimated: event.usageEstimated,
    inputCostMicros: String(event.inputCostMicros),
    outputCostMicros: String(event.outputCostMicros),
    costMicros: String(event.costMicros),
    latencyMs: event.latencyMs,
    ttftMs: event.ttftMs,
    outcome: event.outcome,
    httpStatus: event.httpStatus,
    errorCode: event.errorCode,
    attempts: event.attempts,
    createdAt: validDate(event.createdAt).toISOString(),
  })}\n`;
}

/** An admission's journal line (`"a": 1` tells it from a usage event). */
export function encodeAdmission(record: AdmissionRecord): string {
  return `${JSON.stringify({
    v: 1,
    a: 1,
    requestId: record.requestId,
    orgId: record.orgId,
    projectId: record.projectId,
    apiKeyId: record.apiKeyId,
    endpoint: record.endpoint,
    requestedModel: record.requestedModel,
    stream: record.stream,
    provider: record.provider,
    model: record.model,
    inputTokens: record.inputTokens,
    inputCostMicros: String(record.inputCostMicros),
    createdAt: validDate(record.createdAt).toISOString(),
  })}\n`;
}

/** The usage record of an admitted request whose process died before it recorded one. */
export function interruptedEvent(admission: AdmissionRecord): UsageEvent {
  return {
    requestId: admission.requestId,
    orgId: admission.orgId,
    projectId: admission.projectId,
    apiKeyId: admission.apiKeyId,
    endpoint: admission.endpoint,
    requestedModel: admission.requestedModel,
    provider: admission.provider,
    model: admission.model,
    stream: admission.stream,
    inputTokens: admission.inputTokens,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    usageEstimated: true,
    inputCostMicros: admission.inputCostMicros,
    outputCostMicros: 0n,
    costMicros: admission.inputCostMicros,
    latencyMs: 0,
    ttftMs: null,
    outcome: "interrupted",
    // What a load balancer answers a client whose replica died mid-request.
    httpStatus: 502,
    errorCode: "interrupted",
    attempts: 1,
    createdAt: admission.createdAt,
  };
}

/** Every outcome the database takes, from the one list (contracts). */
const OUTCOMES: ReadonlySet<string> = new Set<string>(ZUsageOutcome.options);

class JournalLineError extends Error {}

function field<T>(record: Record<string, unknown>, name: string, check: (value: unknown) => value is T): T {
  const value = record[name];
  if (!check(value)) throw new JournalLineError(`bad field ${name}`);
  return value;
}
const isString = (value: unknown): value is string => typeof value === "string";
const isNullableString = (value: unknown): value is string | null =>
  value === null || typeof value === "string";
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
const isInt = (value: unknown): value is number => Number.isSafeInteger(value);
const isNullableInt = (value: unknown): value is number | null =>
  value === null || Number.isSafeInteger(value);
const isMicros = (value: unknown): value is string => typeof value === "string" && /^-?\d{1,19}$/.test(value);

function dateField(record: Record<string, unknown>, name: string): Date {
  const date = new Date(field(record, name, isString));
  if (Number.isNaN(date.getTime())) throw new JournalLineError(`bad field ${name}`);
  return date;
}

/** One journal line: a usage event or an admission. */
export type JournalEntry =
  | { kind: "usage"; event: UsageEvent }
  | { kind: "admission"; admission: AdmissionRecord };

/** Parses one journal line; throws on anything that is not a complete, well-formed entry. */
export function decodeJournalLine(line: string): JournalEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new JournalLineError("not JSON (truncated line?)");
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { v?: unknown }).v !== 1) {
    throw new JournalLineError("not a version 1 journal line");
  }
  const record = parsed as Record<string, unknown>;
  if (record.a === 1) {
    return {
      kind: "admission",
      admission: {
        requestId: field(record, "requestId", isString),
        orgId: field(record, "orgId", isString),
        projectId: field(record, "projectId", isString),
        apiKeyId: field(record, "apiKeyId", isString),
        endpoint: field(record, "endpoint", isString),
        requestedModel: field(record, "requestedModel", isString),
        stream: field(record, "stream", isBoolean),
        provider: field(record, "provider", isNullableString),
        model: field(record, "model", isNullableString),
        inputTokens: field(record, "inputTokens", isInt),
        inputCostMicros: BigInt(field(record, "inputCostMicros", isMicros)),
        createdAt: dateField(record, "createdAt"),
      },
    };
  }
  const outcome = field(record, "outcome", isString);
  if (!OUTCOMES.has(outcome)) throw new JournalLineError(`unknown outcome ${outcome}`);
  return {
    kind: "usage",
    event: {
      requestId: field(record, "requestId", isString),
      orgId: field(record, "orgId", isString),
      projectId: field(record, "projectId", isString),
      apiKeyId: field(record, "apiKeyId", isString),
      endpoint: field(record, "endpoint", isString),
      requestedModel: field(record, "requestedModel", isString),
      provider: field(record, "provider", isNullableString),
      model: field(record, "model", isNullableString),
      stream: field(record, "stream", isBoolean),
      inputTokens: field(record, "inputTokens", isInt),
      outputTokens: field(record, "outputTokens", isInt),
      cachedInputTokens: field(record, "cachedInputTokens", isInt),
      cacheWriteTokens: field(record, "cacheWriteTokens", isInt),
      reasoningTokens: field(record, "reasoningTokens", isInt),
      usageEstimated: field(record, "usageEstimated", isBoolean),
      inputCostMicros: BigInt(field(record, "inputCostMicros", isMicros)),
      outputCostMicros: BigInt(field(record, "outputCostMicros", isMicros)),
      costMicros: BigInt(field(record, "costMicros", isMicros)),
      latencyMs: field(record, "latencyMs", isInt),
      ttftMs: field(record, "ttftMs", isNullableInt),
      outcome: outcome as UsageEvent["outcome"],
      httpStatus: field(record, "httpStatus", isInt),
      errorCode: field(record, "errorCode", isNullableString),
      attempts: field(record, "attempts", isInt),
      createdAt: dateField(record, "createdAt"),
    },
  };
}

/** A usage event's journal line, parsed; throws on an admission or anything malformed. */
export function decodeUsageEvent(line: string): UsageEvent {
  const entry = decodeJournalLine(line);
  if (entry.kind !== "usage") throw new JournalLineError("an admission, not a usage event");
  return entry.event;
}

/** Writes all of `line`, looping over short writes. Throws on an I/O error. */
export function appendLine(fd: number, line: string): void {
  const buffer = Buffer.from(line, "utf8");
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

export interface SegmentContents {
  /** Usage events, in journal order. */
  events: UsageEvent[];
  admissions: AdmissionRecord[];
}

/**
 * Reads a segment's entries in order. A line that does not parse (a line cut short by a crash
 * mid-write, or damage) is skipped and reported through `onBadLine`, never thrown.
 */
export async function readSegment(
  path: string,
  onBadLine: (lineNumber: number, reason: string) => void,
): Promise<SegmentContents> {
  const text = await readFile(path, "utf8");
  const contents: SegmentContents = { events: [], admissions: [] };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      const entry = decodeJournalLine(line);
      if (entry.kind === "usage") contents.events.push(entry.event);
      else contents.admissions.push(entry.admission);
    } catch (error) {
      onBadLine(i + 1, error instanceof Error ? error.message : String(error));
    }
  }
  return contents;
}

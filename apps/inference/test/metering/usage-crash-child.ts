// A gateway process that dies: it records usage events with the real recorder while its database
// is unreachable, then either crashes (SIGKILL, no close) or shuts down with close(). Its journal
// segments are left for the next process. Run by usage-journal.test.ts with `node --import tsx`.
import type { Database } from "@gw/db";
import type { AdmissionRecord } from "../../src/metering/usage/usage-journal.ts";
import { createUsageRecorder, type UsageEvent } from "../../src/metering/usage/usage-recorder.ts";
import { makeEvent, type Tenant } from "./usage-fixtures.ts";

interface ChildInput {
  journalDir: string;
  mode: "crash" | "close";
  tenant: Tenant;
  count: number;
  /** Request ids of the events, in order; generated when absent. */
  requestIds?: string[];
  /** The outcome of each event, in order (cycling); makeEvent's when absent. */
  outcomes?: UsageEvent["outcome"][];
  /** Every event is admitted first (journaled), then this many more are admitted and never recorded. */
  inFlight?: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
const tenant: Tenant = { ...input.tenant, initialBalance: BigInt(input.tenant.initialBalance) };

// The database is down for this whole process: every transaction fails to connect.
const unreachable = {
  kind: "postgres",
  prisma: {
    $transaction: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432 (test child)")),
  },
} as unknown as Database;

const recorder = createUsageRecorder({
  db: unreachable,
  journalDir: input.journalDir,
  flushIntervalMs: 5,
  retry: { initialMs: 5, maxMs: 20 },
  log: () => {},
});

/** What the pipeline journals before the upstream call. */
const admission = (event: UsageEvent): AdmissionRecord => ({
  requestId: event.requestId,
  orgId: event.orgId,
  projectId: event.projectId,
  apiKeyId: event.apiKeyId,
  endpoint: event.endpoint,
  requestedModel: event.requestedModel,
  stream: event.stream,
  provider: "openai",
  model: "gpt-4o-mini",
  inputTokens: 100,
  inputCostMicros: 300n,
  createdAt: event.createdAt,
});

const ids: string[] = [];
const inFlight: string[] = [];
for (let i = 0; i < input.count; i++) {
  const outcome = input.outcomes?.[i % input.outcomes.length];
  const event = makeEvent(tenant, i, {
    ...(input.requestIds?.[i] ? { requestId: input.requestIds[i] } : {}),
    ...(outcome ? { outcome } : {}),
  });
  if (input.inFlight !== undefined) recorder.admitted(admission(event));
  recorder.record(event);
  ids.push(event.requestId);
}
for (let i = 0; i < (input.inFlight ?? 0); i++) {
  const event = makeEvent(tenant, input.count + i);
  recorder.admitted(admission(event));
  inFlight.push(event.requestId);
}
process.stdout.write(`${JSON.stringify({ pid: process.pid, ids, inFlight })}\n`);
// Let the writer fail a few times, as it would in a real outage.
await new Promise((resolve) => setTimeout(resolve, 50));
if (input.mode === "close") {
  await recorder.close();
  process.exit(0);
} else {
  process.kill(process.pid, "SIGKILL");
}

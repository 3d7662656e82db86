// Writes a batch of usage records and everything that follows from them (daily rollup, ledger
// debit and org balance, API key totals) in one transaction, idempotently on request_id: the
// side effects happen exactly when a usage row is first inserted, so retrying a failed batch or
// replaying a journal never counts twice. A few set-based statements per batch (rows travel as
// one jsonb parameter), so the same SQL runs on PostgreSQL and PGlite.
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClient, UsageOutcome } from "./generated/prisma/client.ts";

export interface UsageRecordInput {
  requestId: string;
  orgId: string;
  projectId: string;
  apiKeyId: string;
  endpoint: string;
  requestedModel: string;
  provider: string | null;
  model: string | null;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  usageEstimated: boolean;
  inputCostMicros: bigint;
  outputCostMicros: bigint;
  costMicros: bigint;
  latencyMs: number;
  ttftMs: number | null;
  outcome: UsageOutcome;
  httpStatus: number;
  errorCode: string | null;
  attempts: number;
  createdAt: Date;
}

export interface UsageDebit {
  orgId: string;
  /** Negative: the ledger amount posted for this org in this batch. */
  amountMicros: bigint;
  balanceAfterMicros: bigint;
}

export interface UsageBatchResult<T extends UsageRecordInput> {
  /** Records inserted by this call, in input order (first occurrence of each request id). */
  written: T[];
  /** Records whose request id was already stored, or repeated within the batch. */
  duplicates: number;
  /** One ledger entry per org whose new records cost something. */
  debits: UsageDebit[];
  batchId: string;
}

export interface WriteUsageBatchOptions {
  /** Goes into the ledger idempotency keys ("usage:<batchId>:<orgId>"); random by default. */
  batchId?: string;
  /** Interactive transaction timeout (ms). */
  timeoutMs?: number;
  /** How long to wait for a connection (ms). */
  maxWaitMs?: number;
}

// Column list of the jsonb rows, in the statement's own names.
const ROWS = `jsonb_to_recordset($1::jsonb) AS r(
  request_id text, org_id uuid, project_id uuid, api_key_id uuid, endpoint text, requested_model text,
  provider text, model text, stream boolean, input_tokens int, output_tokens int, cached_input_tokens int,
  cache_write_tokens int, reasoning_tokens int, usage_estimated boolean, input_cost_micros bigint,
  output_cost_micros bigint, cost_micros bigint, latency_ms int, ttft_ms int, outcome "UsageOutcome",
  http_status int, error_code text, attempts int, created_at timestamptz)`;

const INSERT_RECORDS = `
INSERT INTO usage_records (request_id, org_id, project_id, api_key_id, endpoint, requested_model, provider, model,
  stream, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, usage_estimated,
  input_cost_micros, output_cost_micros, cost_micros, latency_ms, ttft_ms, outcome, http_status, error_code,
  attempts, created_at)
SELECT request_id, org_id, project_id, api_key_id, endpoint, requested_model, provider, model,
  stream, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, usage_estimated,
  input_cost_micros, output_cost_micros, cost_micros, latency_ms, ttft_ms, outcome, http_status, error_code,
  attempts, created_at
FROM ${ROWS}
ORDER BY request_id
ON CONFLICT (request_id) DO NOTHING
RETURNING request_id`;

// Rows are inserted in key order so that concurrent writers take the unique-index locks in the
// same order (no deadlock between two gateway instances).
const UPSERT_DAILY = `
INSERT INTO usage_daily AS d (day, org_id, project_id, api_key_id, provider, model, requests, errors,
  input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, cost_micros)
SELECT (created_at AT TIME ZONE 'UTC')::date, org_id, project_id, api_key_id, COALESCE(provider, ''),
  COALESCE(model, requested_model), count(*)::int, (count(*) FILTER (WHERE outcome <> 'success'))::int,
  sum(input_tokens::bigint), sum(output_tokens::bigint), sum(cached_input_tokens::bigint),
  sum(cache_write_tokens::bigint), sum(reasoning_tokens::bigint), sum(cost_micros)::bigint
FROM ${ROWS}
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT (day, org_id, project_id, api_key_id, provider, model) DO UPDATE SET
  requests = d.requests + EXCLUDED.requests,
  errors = d.errors + EXCLUDED.errors,
  input_tokens = d.input_tokens + EXCLUDED.input_tokens,
  output_tokens = d.output_tokens + EXCLUDED.output_tokens,
  cached_input_tokens = d.cached_input_tokens + EXCLUDED.cached_input_tokens,
  cache_write_tokens = d.cache_write_tokens + EXCLUDED.cache_write_tokens,
  reasoning_tokens = d.reasoning_tokens + EXCLUDED.reasoning_tokens,
  cost_micros = d.cost_micros + EXCLUDED.cost_micros`;

// Row locks in id order before the set-based UPDATEs (whose row order is the planner's): two
// writers touching the same orgs or keys queue instead of deadlocking. FOR NO KEY UPDATE is what
// the UPDATE takes anyway and does not conflict with the foreign-key checks of concurrent inserts.
const LOCK_ORGS = `
SELECT o.id FROM organizations o
WHERE o.id IN (SELECT org_id FROM ${ROWS} GROUP BY org_id HAVING sum(cost_micros) <> 0)
ORDER BY o.id FOR NO KEY UPDATE`;

const DEBIT_ORGS = `
WITH s AS (
  SELECT org_id, sum(cost_micros)::bigint AS cost, count(*)::int AS n
  FROM ${ROWS} GROUP BY org_id HAVING sum(cost_micros) <> 0
), debited AS (
  UPDATE organizations o SET balance_micros = o.balance_micros - s.cost, updated_at = now()
  FROM s WHERE o.id = s.org_id
  RETURNING o.id, o.balance_micros, s.cost, s.n
)
INSERT INTO credit_ledger_entries (org_id, amount_micros, balance_after_micros, kind, idempotency_key, reference)
SELECT id, -cost, balance_micros, 'usage'::"LedgerKind", 'usage:' || $2::text || ':' || id::text,
  n::text || CASE WHEN n = 1 THEN ' request' ELSE ' requests' END
FROM debited
RETURNING org_id::text AS org_id, amount_micros, balance_after_micros`;

const LOCK_KEYS = `
SELECT k.id FROM api_keys k
WHERE k.id IN (SELECT api_key_id FROM ${ROWS})
ORDER BY k.id FOR NO KEY UPDATE`;

// updated_at is left alone: usage is not an edit of the key.
const UPDATE_KEYS = `
UPDATE api_keys k SET spent_micros = k.spent_micros + s.cost, last_used_at = GREATEST(k.last_used_at, s.last_at)
FROM (
  SELECT api_key_id, sum(cost_micros)::bigint AS cost, max(created_at) AS last_at
  FROM ${ROWS} GROUP BY api_key_id
) s
WHERE k.id = s.api_key_id`;

function toRow(record: UsageRecordInput) {
  return {
    request_id: record.requestId,
    org_id: record.orgId,
    project_id: record.projectId,
    api_key_id: record.apiKeyId,
    endpoint: record.endpoint,
    requested_model: record.requestedModel,
    provider: record.provider,
    model: record.model,
    stream: record.stream,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cached_input_tokens: record.cachedInputTokens,
    cache_write_tokens: record.cacheWriteTokens,
    reasoning_tokens: record.reasoningTokens,
    usage_estimated: record.usageEstimated,
    // bigint travels as a decimal string; the jsonb column type parses it exactly.
    input_cost_micros: record.inputCostMicros.toString(),
    output_cost_micros: record.outputCostMicros.toString(),
    cost_micros: record.costMicros.toString(),
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    outcome: record.outcome,
    http_status: record.httpStatus,
    error_code: record.errorCode,
    attempts: record.attempts,
    created_at: record.createdAt.toISOString(),
  };
}

/**
 * Inserts the records that are not stored yet (ON CONFLICT (request_id) DO NOTHING) and, for
 * those only, in the same transaction: upserts usage_daily, debits each org once (one "usage"
 * ledger entry, balance_after from the updated balance) and adds to each key's spent_micros and
 * last_used_at. Rejects, changing nothing, when any statement fails.
 */
export async function writeUsageBatch<T extends UsageRecordInput>(
  prisma: PrismaClient,
  records: readonly T[],
  options: WriteUsageBatchOptions = {},
): Promise<UsageBatchResult<T>> {
  const batchId = options.batchId ?? randomUUID();
  const unique = new Map<string, T>();
  for (const record of records) if (!unique.has(record.requestId)) unique.set(record.requestId, record);
  if (unique.size === 0) return { written: [], duplicates: records.length, debits: [], batchId };
  const candidates = [...unique.values()];

  return prisma.$transaction(
    async (tx: Prisma.TransactionClient) => {
      const inserted = await tx.$queryRawUnsafe<{ request_id: string }[]>(
        INSERT_RECORDS,
        JSON.stringify(candidates.map(toRow)),
      );
      const fresh = new Set(inserted.map((row) => row.request_id));
      const written = candidates.filter((record) => fresh.has(record.requestId));
      const result: UsageBatchResult<T> = {
        written,
        duplicates: records.length - written.length,
        debits: [],
        batchId,
      };
      if (written.length === 0) return result;

      const rows = JSON.stringify(written.map(toRow));
      await tx.$executeRawUnsafe(UPSERT_DAILY, rows);
      if (written.some((record) => record.costMicros !== 0n)) {
        await tx.$queryRawUnsafe(LOCK_ORGS, rows);
        const debits = await tx.$queryRawUnsafe<
          {
            org_id: string;
            amount_micros: bigint | number | string;
            balance_after_micros: bigint | number | string;
          }[]
        >(DEBIT_ORGS, rows, batchId);
        result.debits = debits.map((row) => ({
          orgId: row.org_id,
          amountMicros: BigInt(row.amount_micros),
          balanceAfterMicros: BigInt(row.balance_after_micros),
        }));
      }
      await tx.$queryRawUnsafe(LOCK_KEYS, rows);
      await tx.$executeRawUnsafe(UPDATE_KEYS, rows);
      return result;
    },
    { timeout: options.timeoutMs ?? 30_000, maxWait: options.maxWaitMs ?? 10_000 },
  );
}

/** The PostgreSQL SQLSTATE of a failed query, through Prisma and its driver adapters. */
export function sqlStateOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const value = current as {
      code?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
      cause?: unknown;
    };
    const adapterCode = value.meta?.driverAdapterError?.cause?.originalCode;
    if (typeof adapterCode === "string") return adapterCode;
    if (typeof value.originalCode === "string") return value.originalCode;
    // Prisma's own codes (P1xxx, P2xxx...) look like SQLSTATEs; PL/pgSQL's P0xxx are real ones.
    if (typeof value.code === "string" && /^[0-9A-Z]{5}$/.test(value.code) && !/^P[1-9]/.test(value.code)) {
      return value.code;
    }
    current = value.cause;
  }
  return undefined;
}

/**
 * True when the database refused the data itself (SQLSTATE class 22 data exception or 23
 * integrity violation: a malformed id, a number out of range, a deleted key). Retrying the same
 * rows cannot succeed; anything else (connection, timeout, deadlock) may.
 */
export function isUsageDataError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"));
}

// Shared set-up for the usage recorder tests: tenants created through @gw/db, event factories,
// the checks that compare rollup, ledger and keys with the usage rows, and a database whose
// transactions can be made to fail (an outage, for PGlite which cannot be stopped).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiKey, createOrganization, type Database, postLedgerEntry } from "@gw/db";
import type { UsageEvent } from "../../src/metering/usage/usage-recorder.ts";

export interface Tenant {
  orgId: string;
  projectId: string;
  keyIds: string[];
  initialBalance: bigint;
}

let tenants = 0;

export async function createTenant(
  db: Database,
  options: { keys?: number; balanceMicros?: bigint } = {},
): Promise<Tenant> {
  const slug = `usage-${process.pid}-${++tenants}-${Math.random().toString(36).slice(2, 8)}`;
  const { org, project } = await createOrganization(db.prisma, { slug });
  const keyIds: string[] = [];
  for (let i = 0; i < (options.keys ?? 2); i++) {
    const { record } = await createApiKey(db.prisma, {
      orgId: org.id,
      projectId: project.id,
      name: `key ${i}`,
    });
    keyIds.push(record.id);
  }
  const initialBalance = options.balanceMicros ?? 100_000_000n;
  await postLedgerEntry(db.prisma, {
    orgId: org.id,
    amountMicros: initialBalance,
    kind: "topup",
    idempotencyKey: `topup:${slug}`,
  });
  return { orgId: org.id, projectId: project.id, keyIds, initialBalance };
}

let sequence = 0;

/** A plausible event; `i` varies key, model, outcome, tokens and cost. */
export function makeEvent(tenant: Tenant, i: number, overrides: Partial<UsageEvent> = {}): UsageEvent {
  const outcomes: UsageEvent["outcome"][] = [
    "success",
    "success",
    "success",
    "upstream_error",
    "rate_limited",
  ];
  const outcome = outcomes[i % outcomes.length]!;
  const served = outcome === "success" || outcome === "upstream_error";
  const inputTokens = served ? 100 + i : 0;
  const outputTokens = outcome === "success" ? 20 + (i % 7) : 0;
  const inputCostMicros = BigInt(inputTokens) * 3n;
  const outputCostMicros = BigInt(outputTokens) * 11n;
  return {
    requestId: `req-${process.pid}-${Date.now().toString(36)}-${++sequence}`,
    orgId: tenant.orgId,
    projectId: tenant.projectId,
    apiKeyId: tenant.keyIds[i % tenant.keyIds.length]!,
    endpoint: "/v1/chat/completions",
    requestedModel: i % 3 === 0 ? "fast" : "gpt-4o-mini",
    provider: served ? (i % 2 === 0 ? "openai" : "nebius") : null,
    model: served ? "gpt-4o-mini" : null,
    stream: i % 2 === 1,
    inputTokens,
    outputTokens,
    cachedInputTokens: served ? i % 5 : 0,
    cacheWriteTokens: 0,
    reasoningTokens: outcome === "success" ? i % 3 : 0,
    usageEstimated: i % 11 === 0,
    inputCostMicros,
    outputCostMicros,
    costMicros: inputCostMicros + outputCostMicros,
    latencyMs: 50 + i,
    ttftMs: outcome === "success" ? 10 + i : null,
    outcome,
    httpStatus: outcome === "success" ? 200 : outcome === "rate_limited" ? 429 : 502,
    errorCode: outcome === "success" ? null : outcome,
    attempts: outcome === "rate_limited" ? 0 : 1,
    // Spread over two UTC days, around midnight.
    createdAt: new Date(Date.UTC(2026, 2, 1, 23, 59, 50) + i * 500),
    ...overrides,
  };
}

export function makeEvents(tenant: Tenant, count: number, from = 0): UsageEvent[] {
  return Array.from({ length: count }, (_, i) => makeEvent(tenant, from + i));
}

export function tempJournalDir(): string {
  return mkdtempSync(join(tmpdir(), "usage-journal-"));
}

export interface LogLine {
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function collectLog(): {
  log: (message: string, fields?: Record<string, unknown>) => void;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  return { lines, log: (message, fields) => lines.push({ message, fields }) };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The same database behind a switch: while `down`, every transaction fails, either at once or
 * after `failAfterStatements` statements (the connection dropping mid-transaction, which must
 * roll back what the transaction did). Only the database is faked; the recorder is the real one.
 */
export function switchableDatabase(db: Database): {
  db: Database;
  setDown(down: boolean, failAfterStatements?: number): void;
  failures(): number;
} {
  let down = false;
  let failAfter = 0;
  let failures = 0;
  const outage = () => {
    failures++;
    return new Error("connect ECONNREFUSED 127.0.0.1:5432 (simulated outage)");
  };
  const prisma = new Proxy(db.prisma, {
    get(target, property, receiver) {
      if (property === "$transaction") {
        return (work: (tx: unknown) => Promise<unknown>, options?: unknown) => {
          if (!down) return target.$transaction(work as never, options as never);
          if (failAfter === 0) return Promise.reject(outage());
          return target.$transaction(async (tx) => {
            let statements = 0;
            const failing = new Proxy(tx, {
              get(inner, name) {
                const value = Reflect.get(inner, name);
                if (typeof value !== "function") return value;
                return (...args: unknown[]) => {
                  if (++statements > failAfter) throw outage();
                  return value.apply(inner, args);
                };
              },
            });
            return work(failing);
          }, options as never);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db: { ...db, prisma },
    setDown(value, afterStatements = 0) {
      down = value;
      failAfter = afterStatements;
    },
    failures: () => failures,
  };
}

export async function countUsage(db: Database, orgId: string): Promise<number> {
  return db.prisma.usageRecord.count({ where: { orgId } });
}

/** usage_daily next to the same aggregation computed from usage_records; equal when consistent. */
export async function rollupAndRecords(db: Database, orgId: string) {
  const rollup = await db.prisma.$queryRawUnsafe<Record<string, string>[]>(
    `SELECT day::text AS day, project_id::text AS project, api_key_id::text AS key, provider, model,
       requests::text AS requests, errors::text AS errors, input_tokens::text AS input, output_tokens::text AS output,
       cached_input_tokens::text AS cached, cache_write_tokens::text AS cache_write,
       reasoning_tokens::text AS reasoning, cost_micros::text AS cost
     FROM usage_daily WHERE org_id = $1::uuid ORDER BY 1, 2, 3, 4, 5`,
    orgId,
  );
  const records = await db.prisma.$queryRawUnsafe<Record<string, string>[]>(
    `SELECT (created_at AT TIME ZONE 'UTC')::date::text AS day, project_id::text AS project, api_key_id::text AS key,
       COALESCE(provider, '') AS provider, COALESCE(model, requested_model) AS model,
       count(*)::text AS requests, count(*) FILTER (WHERE outcome <> 'success')::text AS errors,
       sum(input_tokens)::text AS input, sum(output_tokens)::text AS output, sum(cached_input_tokens)::text AS cached,
       sum(cache_write_tokens)::text AS cache_write, sum(reasoning_tokens)::text AS reasoning,
       sum(cost_micros)::text AS cost
     FROM usage_records WHERE org_id = $1::uuid GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    orgId,
  );
  return { rollup, records };
}

export interface MoneyState {
  usageCost: bigint;
  usageLedger: bigint;
  usageEntries: number;
  balance: bigint;
  /** Each ledger entry's balance_after equals the previous one plus its amount. */
  chainConsistent: boolean;
  lastBalanceAfter: bigint;
  keys: {
    id: string;
    spent: bigint;
    lastUsedAt: Date | null;
    expectedSpent: bigint;
    lastCreatedAt: Date | null;
  }[];
}

export async function moneyState(db: Database, tenant: Tenant): Promise<MoneyState> {
  const { prisma } = db;
  const cost = await prisma.usageRecord.aggregate({
    where: { orgId: tenant.orgId },
    _sum: { costMicros: true },
  });
  const entries = await prisma.creditLedgerEntry.findMany({
    where: { orgId: tenant.orgId },
    orderBy: { id: "asc" },
  });
  const org = await prisma.organization.findUniqueOrThrow({ where: { id: tenant.orgId } });
  let running = 0n;
  let chainConsistent = true;
  for (const entry of entries) {
    running += entry.amountMicros;
    if (entry.balanceAfterMicros !== running) chainConsistent = false;
  }
  const usage = entries.filter((entry) => entry.kind === "usage");
  const keys = [];
  for (const id of tenant.keyIds) {
    const key = await prisma.apiKey.findUniqueOrThrow({ where: { id } });
    const agg = await prisma.usageRecord.aggregate({
      where: { apiKeyId: id },
      _sum: { costMicros: true },
      _max: { createdAt: true },
    });
    keys.push({
      id,
      spent: key.spentMicros,
      lastUsedAt: key.lastUsedAt,
      expectedSpent: agg._sum.costMicros ?? 0n,
      lastCreatedAt: agg._max.createdAt,
    });
  }
  return {
    usageCost: cost._sum.costMicros ?? 0n,
    usageLedger: usage.reduce((sum, entry) => sum + entry.amountMicros, 0n),
    usageEntries: usage.length,
    balance: org.balanceMicros,
    chainConsistent,
    lastBalanceAfter: entries.at(-1)?.balanceAfterMicros ?? 0n,
    keys,
  };
}

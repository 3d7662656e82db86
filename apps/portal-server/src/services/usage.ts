// Usage of an organization: totals and series from the daily rollup (usage_daily, kept up to date
// by the usage writer; never scans of usage_records), the request log (usage_records, keyset
// pages on its (org_id, created_at desc, id desc) index), and CSV exports of either.
// Days are UTC calendar days ("YYYY-MM-DD"), both ends of a range included.
import {
  formatUsd,
  maxUsageExportRows,
  type TUsageGroupBy,
  type TUsageOutcome,
  type TUsageRequest,
  type TUsageRequestsPage,
  type TUsageSeriesRow,
  type TUsageTotals,
} from "@gw/contracts";
import type { Prisma } from "@gw/db";
import { stringify } from "csv-stringify/sync";
import { notFound, PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

const DAY_MS = 86_400_000;
const EXPORT_CHUNK = 5_000;

export interface UsageFilters {
  projectId?: string | undefined;
  keyId?: string | undefined;
  model?: string | undefined;
}

export interface UsageRange {
  from: string;
  to: string;
}

const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The project and key of a filter must be the organization's own. */
async function checkFilters(services: PortalServices, orgId: string, filters: UsageFilters) {
  const prisma = services.db.prisma;
  if (filters.projectId) {
    const found = await prisma.project.findFirst({
      where: { id: filters.projectId, orgId },
      select: { id: true },
    });
    if (!found) throw notFound("Project");
  }
  if (filters.keyId) {
    const found = await prisma.apiKey.findFirst({
      where: { id: filters.keyId, orgId },
      select: { id: true },
    });
    if (!found) throw notFound("API key");
  }
}

function dailyWhere(orgId: string, range: UsageRange, filters: UsageFilters): Prisma.UsageDailyWhereInput {
  return {
    orgId,
    day: { gte: dayStart(range.from), lte: dayStart(range.to) },
    ...(filters.projectId ? { projectId: filters.projectId } : {}),
    ...(filters.keyId ? { apiKeyId: filters.keyId } : {}),
    ...(filters.model ? { model: filters.model } : {}),
  };
}

const sums = {
  requests: true,
  errors: true,
  inputTokens: true,
  outputTokens: true,
  cachedInputTokens: true,
  cacheWriteTokens: true,
  reasoningTokens: true,
  costMicros: true,
} as const;

type Sums = {
  [K in keyof TUsageTotals]?: (TUsageTotals[K] extends number ? number : bigint) | null;
};

function totalsOf(sum: Sums | null | undefined): TUsageTotals {
  return {
    requests: Number(sum?.requests ?? 0),
    errors: Number(sum?.errors ?? 0),
    inputTokens: BigInt(sum?.inputTokens ?? 0n),
    outputTokens: BigInt(sum?.outputTokens ?? 0n),
    cachedInputTokens: BigInt(sum?.cachedInputTokens ?? 0n),
    cacheWriteTokens: BigInt(sum?.cacheWriteTokens ?? 0n),
    reasoningTokens: BigInt(sum?.reasoningTokens ?? 0n),
    costMicros: BigInt(sum?.costMicros ?? 0n),
  };
}

export async function usageSummary(
  services: PortalServices,
  orgId: string,
  input: UsageRange & UsageFilters,
): Promise<TUsageTotals> {
  await checkFilters(services, orgId, input);
  const result = await services.db.prisma.usageDaily.aggregate({
    where: dailyWhere(orgId, input, input),
    _sum: sums,
  });
  return totalsOf(result._sum);
}

const groupColumns = {
  day: "day",
  model: "model",
  key: "apiKeyId",
  project: "projectId",
} as const satisfies Record<TUsageGroupBy, Prisma.UsageDailyScalarFieldEnum>;

/** Every day of the range, in order. */
function daysOf(range: UsageRange): string[] {
  const days: string[] = [];
  for (let t = dayStart(range.from).getTime(); t <= dayStart(range.to).getTime(); t += DAY_MS) {
    days.push(isoDay(new Date(t)));
  }
  return days;
}

/**
 * Usage by day (every day of the range, zeros included, oldest first), or by model, key or
 * project (those with usage, most cost first).
 */
export async function usageTimeseries(
  services: PortalServices,
  orgId: string,
  input: UsageRange & UsageFilters & { groupBy: TUsageGroupBy },
): Promise<TUsageSeriesRow[]> {
  await checkFilters(services, orgId, input);
  const column = groupColumns[input.groupBy];
  const groups = await services.db.prisma.usageDaily.groupBy({
    by: [column],
    where: dailyWhere(orgId, input, input),
    _sum: sums,
  });
  const keyOf = (group: (typeof groups)[number]) => {
    const value = group[column];
    return value instanceof Date ? isoDay(value) : String(value);
  };
  if (input.groupBy === "day") {
    const byDay = new Map(groups.map((group) => [keyOf(group), totalsOf(group._sum)]));
    return daysOf(input).map((day) => ({ key: day, label: day, ...(byDay.get(day) ?? totalsOf(null)) }));
  }
  const labels = await labelsFor(services, orgId, input.groupBy, groups.map(keyOf));
  return groups
    .map((group) => {
      const key = keyOf(group);
      return { key, label: labels.get(key) ?? key, ...totalsOf(group._sum) };
    })
    .sort((a, b) =>
      a.costMicros !== b.costMicros
        ? a.costMicros > b.costMicros
          ? -1
          : 1
        : b.requests - a.requests || a.label.localeCompare(b.label),
    );
}

async function labelsFor(
  services: PortalServices,
  orgId: string,
  groupBy: TUsageGroupBy,
  ids: string[],
): Promise<Map<string, string>> {
  if (groupBy === "key") return keyLabels(services, orgId, ids);
  if (groupBy === "project") return projectNames(services, orgId, ids);
  return new Map();
}

async function keyLabels(services: PortalServices, orgId: string, ids: string[]) {
  const keys = await services.db.prisma.apiKey.findMany({
    where: { orgId, id: { in: [...new Set(ids)] } },
    select: { id: true, name: true, prefix: true },
  });
  return new Map(keys.map((key) => [key.id, `${key.name} (${key.prefix}...)`]));
}

async function projectNames(services: PortalServices, orgId: string, ids: string[]) {
  const projects = await services.db.prisma.project.findMany({
    where: { orgId, id: { in: [...new Set(ids)] } },
    select: { id: true, name: true },
  });
  return new Map(projects.map((project) => [project.id, project.name]));
}

// Request log.

export interface RequestFilters extends UsageFilters {
  from?: string | undefined;
  to?: string | undefined;
  outcome?: TUsageOutcome | undefined;
}

function encodeCursor(row: { createdAt: Date; id: bigint }): string {
  return `${row.createdAt.getTime()}_${row.id}`;
}

function decodeCursor(cursor: string): { createdAt: Date; id: bigint } {
  const match = /^(\d{1,15})_(\d{1,19})$/.exec(cursor);
  if (!match)
    throw new PortalError("invalid", "cursor: not a cursor from this list; start from the first page.");
  return { createdAt: new Date(Number(match[1])), id: BigInt(match[2] as string) };
}

function requestsWhere(orgId: string, filters: RequestFilters): Prisma.UsageRecordWhereInput {
  const createdAt: Prisma.DateTimeFilter = {};
  if (filters.from) createdAt.gte = dayStart(filters.from);
  if (filters.to) createdAt.lt = new Date(dayStart(filters.to).getTime() + DAY_MS);
  return {
    orgId,
    ...(filters.from || filters.to ? { createdAt } : {}),
    ...(filters.projectId ? { projectId: filters.projectId } : {}),
    ...(filters.keyId ? { apiKeyId: filters.keyId } : {}),
    // The same model as the rollup's: the served one, or the requested one when none served it.
    ...(filters.model
      ? { OR: [{ model: filters.model }, { model: null, requestedModel: filters.model }] }
      : {}),
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
  };
}

const requestSelect = {
  id: true,
  requestId: true,
  createdAt: true,
  apiKeyId: true,
  apiKey: { select: { prefix: true } },
  projectId: true,
  endpoint: true,
  requestedModel: true,
  provider: true,
  model: true,
  stream: true,
  inputTokens: true,
  outputTokens: true,
  cachedInputTokens: true,
  cacheWriteTokens: true,
  reasoningTokens: true,
  usageEstimated: true,
  costMicros: true,
  latencyMs: true,
  ttftMs: true,
  outcome: true,
  httpStatus: true,
  errorCode: true,
} satisfies Prisma.UsageRecordSelect;

/** One page, newest first; `after` is the last row of the previous page. */
async function requestRows(
  services: PortalServices,
  orgId: string,
  filters: RequestFilters,
  after: { createdAt: Date; id: bigint } | undefined,
  take: number,
) {
  const base = requestsWhere(orgId, filters);
  const where: Prisma.UsageRecordWhereInput = after
    ? {
        AND: [
          base,
          {
            OR: [
              { createdAt: { lt: after.createdAt } },
              { createdAt: after.createdAt, id: { lt: after.id } },
            ],
          },
        ],
      }
    : base;
  const rows = await services.db.prisma.usageRecord.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    select: requestSelect,
  });
  return rows.map(({ id, apiKeyId, apiKey, ...rest }) => ({
    ...rest,
    id: id.toString(),
    rowId: id,
    keyId: apiKeyId,
    keyPrefix: apiKey.prefix,
  }));
}

export async function usageRequests(
  services: PortalServices,
  orgId: string,
  input: RequestFilters & { cursor?: string | undefined; limit: number },
): Promise<TUsageRequestsPage> {
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  await checkFilters(services, orgId, input);
  const rows = await requestRows(services, orgId, input, after, input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ rowId: _row, ...item }): TUsageRequest => item),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.rowId }) : null,
  };
}

// CSV exports.

/** Money in exports: exact decimal USD, no symbol or grouping ("12.500000"). */
const usd = (micros: bigint) => formatUsd(micros, { symbol: false, grouping: false, minDecimals: 6 });

/** Text a person chose (key and project names, models) never starts a spreadsheet formula. */
const text = (value: string | null | undefined) => {
  if (value === null || value === undefined) return "";
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
};

const DAILY_COLUMNS = [
  "day",
  "project",
  "key_name",
  "key_prefix",
  "provider",
  "model",
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
];

const REQUEST_COLUMNS = [
  "created_at",
  "request_id",
  "key_prefix",
  "project_id",
  "endpoint",
  "requested_model",
  "provider",
  "model",
  "stream",
  "input_tokens",
  "output_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "usage_estimated",
  "cost_usd",
  "latency_ms",
  "ttft_ms",
  "outcome",
  "http_status",
  "error_code",
];

async function dailyCsvRows(
  services: PortalServices,
  orgId: string,
  range: UsageRange,
  filters: UsageFilters,
) {
  const rows: string[][] = [];
  const base = dailyWhere(orgId, range, filters);
  let after: { day: Date; id: bigint } | undefined;
  while (rows.length < maxUsageExportRows + 1) {
    const chunk = await services.db.prisma.usageDaily.findMany({
      where: after
        ? { AND: [base, { OR: [{ day: { gt: after.day } }, { day: after.day, id: { gt: after.id } }] }] }
        : base,
      orderBy: [{ day: "asc" }, { id: "asc" }],
      take: Math.min(EXPORT_CHUNK, maxUsageExportRows + 1 - rows.length),
    });
    if (chunk.length === 0) break;
    const keyRows = await services.db.prisma.apiKey.findMany({
      where: { orgId, id: { in: [...new Set(chunk.map((row) => row.apiKeyId))] } },
      select: { id: true, name: true, prefix: true },
    });
    const keyInfo = new Map(keyRows.map((key) => [key.id, key]));
    const projects = await projectNames(
      services,
      orgId,
      chunk.map((row) => row.projectId),
    );
    for (const row of chunk) {
      const key = keyInfo.get(row.apiKeyId);
      rows.push([
        isoDay(row.day),
        text(projects.get(row.projectId)),
        text(key?.name),
        key?.prefix ?? "",
        text(row.provider),
        text(row.model),
        String(row.requests),
        String(row.errors),
        String(row.inputTokens),
        String(row.outputTokens),
        String(row.cachedInputTokens),
        String(row.cacheWriteTokens),
        String(row.reasoningTokens),
        usd(row.costMicros),
      ]);
    }
    const last = chunk.at(-1);
    if (!last || chunk.length < EXPORT_CHUNK) break;
    after = { day: last.day, id: last.id };
  }
  return rows;
}

async function requestCsvRows(services: PortalServices, orgId: string, filters: RequestFilters) {
  const rows: string[][] = [];
  let after: { createdAt: Date; id: bigint } | undefined;
  while (rows.length < maxUsageExportRows + 1) {
    const chunk = await requestRows(
      services,
      orgId,
      filters,
      after,
      Math.min(EXPORT_CHUNK, maxUsageExportRows + 1 - rows.length),
    );
    if (chunk.length === 0) break;
    for (const row of chunk) {
      rows.push([
        row.createdAt.toISOString(),
        row.requestId,
        row.keyPrefix,
        row.projectId,
        text(row.endpoint),
        text(row.requestedModel),
        text(row.provider),
        text(row.model),
        String(row.stream),
        String(row.inputTokens),
        String(row.outputTokens),
        String(row.cachedInputTokens),
        String(row.cacheWriteTokens),
        String(row.reasoningTokens),
        String(row.usageEstimated),
        usd(row.costMicros),
        String(row.latencyMs),
        row.ttftMs === null ? "" : String(row.ttftMs),
        row.outcome,
        String(row.httpStatus),
        text(row.errorCode),
      ]);
    }
    const last = chunk.at(-1);
    if (!last || chunk.length < EXPORT_CHUNK) break;
    after = { createdAt: last.createdAt, id: last.rowId };
  }
  return rows;
}

/**
 * The daily rollup rows (oldest first) or the request log (newest first) of the range as CSV,
 * at most maxUsageExportRows rows; a cut export says so in its filename.
 */
export async function exportUsageCsv(
  services: PortalServices,
  orgId: string,
  input: UsageRange & RequestFilters & { kind: "daily" | "requests" },
) {
  await checkFilters(services, orgId, input);
  const all =
    input.kind === "daily"
      ? await dailyCsvRows(services, orgId, input, input)
      : await requestCsvRows(services, orgId, input);
  const truncated = all.length > maxUsageExportRows;
  const rows = truncated ? all.slice(0, maxUsageExportRows) : all;
  const csv = stringify(rows, {
    header: true,
    columns: input.kind === "daily" ? DAILY_COLUMNS : REQUEST_COLUMNS,
    record_delimiter: "unix",
  });
  const cut = truncated ? `-first-${maxUsageExportRows}-rows` : "";
  return {
    filename: `usage-${input.kind}-${input.from}-to-${input.to}${cut}.csv`,
    csv,
    rows: rows.length,
    truncated,
  };
}

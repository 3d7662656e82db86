// CSV exports of the daily rollup and of the request log, with exact money and no formulas.
import { formatUsd, maxUsageExportRows } from "@gw/contracts";
import { stringify } from "csv-stringify/sync";
import type { PortalServices } from "./portal-services.ts";
import {
  checkFilters,
  dailyWhere,
  isoDay,
  projectNames,
  type UsageFilters,
  type UsageRange,
} from "./usage.ts";
import { type RequestFilters, requestRows } from "./usage-requests.ts";

const EXPORT_CHUNK = 5_000;

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

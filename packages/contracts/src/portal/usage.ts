// Portal usage procedures: inputs and outputs.
//
// Dates: `from` and `to` are calendar days as "YYYY-MM-DD" strings, in UTC (the daily rollup's
// days are UTC days), both included. Strings, not Date objects, so a browser's time zone can
// never shift a day. Timestamps in answers (createdAt) are Date objects.
// Money: micro-dollar bigints; token sums: bigints; request counts: numbers.
import { z } from "zod";
import { ZUsageOutcome } from "../enums.ts";

const ZId = z.uuid();
const DAY_MS = 86_400_000;

/** The longest range the summary, time series and export cover, in days (both ends included). */
export const maxUsageRangeDays = 366;
/** The most rows one CSV export holds; the filename says when it was cut. */
export const maxUsageExportRows = 100_000;
export const maxUsageRequestsPageSize = 100;

export const ZUsageDay = z.iso.date("use a date like 2026-01-31");

/** Days from `from` to `to`, both included (1 for the same day). */
export function usageRangeDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

function checkRange(
  range: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
  limit: boolean,
) {
  if (!range.from || !range.to) return;
  const days = usageRangeDays(range.from, range.to);
  if (days < 1) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
  else if (limit && days > maxUsageRangeDays) {
    ctx.addIssue({ code: "custom", path: ["to"], message: `the range is at most ${maxUsageRangeDays} days` });
  }
}

const filters = {
  projectId: ZId.optional(),
  keyId: ZId.optional(),
  /** The served model (or the requested one when none served it). */
  model: z.string().trim().min(1).max(200).optional(),
};
const range = { from: ZUsageDay, to: ZUsageDay };

export const ZUsageSummaryInput = z
  .object({ orgId: ZId, ...range, ...filters })
  .superRefine((input, ctx) => checkRange(input, ctx, true));

export const ZUsageGroupBy = z.enum(["day", "model", "key", "project"]);
export type TUsageGroupBy = z.infer<typeof ZUsageGroupBy>;

export const ZUsageTimeseriesInput = z
  .object({ orgId: ZId, ...range, groupBy: ZUsageGroupBy, ...filters })
  .superRefine((input, ctx) => checkRange(input, ctx, true));

export const ZUsageRequestsInput = z
  .object({
    orgId: ZId,
    /** From the previous page's nextCursor. */
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(maxUsageRequestsPageSize).default(50),
    from: ZUsageDay.optional(),
    to: ZUsageDay.optional(),
    ...filters,
    outcome: ZUsageOutcome.optional(),
  })
  .superRefine((input, ctx) => checkRange(input, ctx, false));
export type TUsageRequestsInput = z.input<typeof ZUsageRequestsInput>;

export const ZUsageExportInput = z
  .object({
    orgId: ZId,
    /** "daily": the daily rollup rows; "requests": the request log. */
    kind: z.enum(["daily", "requests"]),
    ...range,
    ...filters,
    /** Requests export only. */
    outcome: ZUsageOutcome.optional(),
  })
  .superRefine((input, ctx) => checkRange(input, ctx, true));

export const ZUsageTotals = z.object({
  requests: z.number().int(),
  errors: z.number().int(),
  inputTokens: z.bigint(),
  outputTokens: z.bigint(),
  cachedInputTokens: z.bigint(),
  cacheWriteTokens: z.bigint(),
  reasoningTokens: z.bigint(),
  costMicros: z.bigint(),
});
export type TUsageTotals = z.infer<typeof ZUsageTotals>;

export const ZUsageSeriesRow = ZUsageTotals.extend({
  /** The day ("YYYY-MM-DD"), model, key id or project id. */
  key: z.string(),
  /** The day, model, "key name (prefix)" or project name. */
  label: z.string(),
});
export type TUsageSeriesRow = z.infer<typeof ZUsageSeriesRow>;

export const ZUsageRequest = z.object({
  /** The usage row id (a bigint, as a decimal string). */
  id: z.string(),
  requestId: z.string(),
  createdAt: z.date(),
  keyId: z.uuid(),
  keyPrefix: z.string(),
  projectId: z.uuid(),
  endpoint: z.string(),
  requestedModel: z.string(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  stream: z.boolean(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  usageEstimated: z.boolean(),
  costMicros: z.bigint(),
  latencyMs: z.number().int(),
  ttftMs: z.number().int().nullable(),
  outcome: ZUsageOutcome,
  httpStatus: z.number().int(),
  errorCode: z.string().nullable(),
});
export type TUsageRequest = z.infer<typeof ZUsageRequest>;

export const ZUsageRequestsPage = z.object({
  items: z.array(ZUsageRequest),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type TUsageRequestsPage = z.infer<typeof ZUsageRequestsPage>;

export const ZUsageExport = z.object({
  filename: z.string(),
  csv: z.string(),
  rows: z.number().int(),
  /** True when the export stopped at maxUsageExportRows (the filename says so too). */
  truncated: z.boolean(),
});
export type TUsageExport = z.infer<typeof ZUsageExport>;

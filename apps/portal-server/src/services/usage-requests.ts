// The request log: usage_records of an organization, newest first, in keyset pages on the
// (org_id, created_at desc, id desc) index.
import type { TUsageOutcome, TUsageRequest, TUsageRequestsPage } from "@gw/contracts";
import type { Prisma } from "@gw/db";
import { PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";
import { checkFilters, DAY_MS, dayStart, type UsageFilters } from "./usage.ts";

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
export async function requestRows(
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

// Usage of an organization: totals and series from the daily rollup (usage_daily, kept up to date
// by the usage writer; never scans of usage_records), and what the request log (usage-requests.ts)
// and the CSV exports (usage-export.ts) share. Days are UTC calendar days ("YYYY-MM-DD"), both
// ends of a range included.
import type { TUsageGroupBy, TUsageSeriesRow, TUsageTotals } from "@gw/contracts";
import type { Prisma } from "@gw/db";
import { notFound } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

export const DAY_MS = 86_400_000;

export interface UsageFilters {
  projectId?: string | undefined;
  keyId?: string | undefined;
  model?: string | undefined;
}

export interface UsageRange {
  from: string;
  to: string;
}

export const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);
export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The project and key of a filter must be the organization's own. */
export async function checkFilters(services: PortalServices, orgId: string, filters: UsageFilters) {
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

export function dailyWhere(
  orgId: string,
  range: UsageRange,
  filters: UsageFilters,
): Prisma.UsageDailyWhereInput {
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

export async function projectNames(services: PortalServices, orgId: string, ids: string[]) {
  const projects = await services.db.prisma.project.findMany({
    where: { orgId, id: { in: [...new Set(ids)] } },
    select: { id: true, name: true },
  });
  return new Map(projects.map((project) => [project.id, project.name]));
}

// Billing pages: the balance (with what requests in flight hold), the ledger, monthly statements
// and the low-balance threshold. Spending figures come from the daily rollup (usage_daily), never
// from scans of usage_records; credits come from the ledger.
import type { TBillingSummary, TLedgerItem, TLedgerPage, TStatement } from "@gw/contracts";
import { type Prisma, writeAudit } from "@gw/db";
import type { PortalServices } from "./portal-services.ts";

type Db = PortalServices["db"]["prisma"];

/** Midnight UTC of the day of `now`, and of the first of its month (usage_daily.day is a UTC date). */
export function utcPeriodStarts(now = new Date()) {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { day, month };
}

/** Usage cost per organization since `from` (a UTC date), from the daily rollup. */
export async function spentSince(prisma: Db, orgIds: string[], from: Date): Promise<Map<string, bigint>> {
  if (orgIds.length === 0) return new Map();
  const rows = await prisma.usageDaily.groupBy({
    by: ["orgId"],
    where: { orgId: { in: orgIds }, day: { gte: from } },
    _sum: { costMicros: true },
  });
  return new Map(rows.map((row) => [row.orgId, row._sum.costMicros ?? 0n]));
}

/**
 * Tells the gateways that the balance changed outside them, so the next request reloads it.
 * Best effort: a gateway that is not told reloads within a minute by itself.
 */
export async function refreshGatewayCredits(services: PortalServices, orgId: string): Promise<void> {
  try {
    await services.inference.call((c) => c.credits.refresh.mutate({ orgId }));
  } catch (error) {
    services.log.warn(
      { orgId, err: error },
      "gateways not told of a balance change; they reload it within a minute",
    );
  }
}

export async function billingSummary(services: PortalServices, orgId: string): Promise<TBillingSummary> {
  const prisma = services.db.prisma;
  const { day, month } = utcPeriodStarts();
  const [org, today, thisMonth, reservedMicros] = await Promise.all([
    prisma.organization.findUniqueOrThrow({
      where: { id: orgId },
      select: { balanceMicros: true, lowBalanceThresholdMicros: true },
    }),
    spentSince(prisma, [orgId], day),
    spentSince(prisma, [orgId], month),
    // The page still shows the balance when the gateway cannot be asked.
    services.inference
      .call((c) => c.credits.reserved.query({ orgId }))
      .then((r) => r.reservedMicros)
      .catch(() => null),
  ]);
  const availableMicros = org.balanceMicros - (reservedMicros ?? 0n);
  const threshold = org.lowBalanceThresholdMicros;
  return {
    balanceMicros: org.balanceMicros,
    reservedMicros,
    availableMicros,
    lowBalanceThresholdMicros: threshold,
    lowBalance: threshold !== null && availableMicros < threshold,
    spentTodayMicros: today.get(orgId) ?? 0n,
    spentThisMonthMicros: thisMonth.get(orgId) ?? 0n,
    stripeEnabled: services.stripe !== undefined && services.env.STRIPE_WEBHOOK_SECRET !== undefined,
  };
}

// The ledger cursor is "<createdAt ms>.<id>" of the last entry of a page: keyset pagination on the
// (org_id, created_at desc, id desc) index.
const encodeCursor = (entry: { createdAt: Date; id: bigint }) => `${entry.createdAt.getTime()}.${entry.id}`;

function decodeCursor(cursor: string): { createdAt: Date; id: bigint } {
  const [ms = "", id = ""] = cursor.split(".");
  return { createdAt: new Date(Number(ms)), id: BigInt(id) };
}

export async function billingLedger(
  services: PortalServices,
  orgId: string,
  input: { cursor?: string | null | undefined; limit: number },
): Promise<TLedgerPage> {
  const prisma = services.db.prisma;
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const where: Prisma.CreditLedgerEntryWhereInput = after
    ? {
        orgId,
        OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
      }
    : { orgId };
  const rows = await prisma.creditLedgerEntry.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const actorIds = [...new Set(page.flatMap((row) => (row.actorUserId ? [row.actorUserId] : [])))];
  const actors = new Map(
    (await prisma.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, email: true } })).map(
      (user) => [user.id, user],
    ),
  );
  const items: TLedgerItem[] = page.map((row) => ({
    id: row.id.toString(),
    amountMicros: row.amountMicros,
    balanceAfterMicros: row.balanceAfterMicros,
    kind: row.kind,
    reference: row.reference,
    note: row.note,
    actor: (row.actorUserId && actors.get(row.actorUserId)) || null,
    createdAt: row.createdAt,
  }));
  const last = page.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
}

/** Month by month (UTC), newest first: the months of the range that had usage or credits (top-ups, grants, refunds). */
export async function billingStatements(
  services: PortalServices,
  orgId: string,
  months: number,
): Promise<TStatement[]> {
  const prisma = services.db.prisma;
  const { month } = utcPeriodStarts();
  const from = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - (months - 1), 1));
  // A date as text: a timestamp parameter would be cast to a date in the session's time zone.
  const fromDay = from.toISOString().slice(0, 10);
  const [models, projects, credits] = await Promise.all([
    prisma.$queryRaw<{ month: string; provider: string; model: string; requests: bigint; cost: bigint }[]>`
      SELECT to_char(day, 'YYYY-MM') AS month, provider, model,
             SUM(requests)::bigint AS requests, SUM(cost_micros)::bigint AS cost
      FROM usage_daily WHERE org_id = ${orgId}::uuid AND day >= ${fromDay}::date
      GROUP BY 1, 2, 3 ORDER BY 1 DESC, cost DESC, provider, model`,
    prisma.$queryRaw<{ month: string; project_id: string; name: string; requests: bigint; cost: bigint }[]>`
      SELECT to_char(u.day, 'YYYY-MM') AS month, u.project_id::text AS project_id, p.name,
             SUM(u.requests)::bigint AS requests, SUM(u.cost_micros)::bigint AS cost
      FROM usage_daily u JOIN projects p ON p.id = u.project_id
      WHERE u.org_id = ${orgId}::uuid AND u.day >= ${fromDay}::date
      GROUP BY 1, 2, 3 ORDER BY 1 DESC, cost DESC, p.name`,
    prisma.$queryRaw<{ month: string; credits: bigint }[]>`
      SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, SUM(amount_micros)::bigint AS credits
      FROM credit_ledger_entries
      WHERE org_id = ${orgId}::uuid AND created_at >= ${from}
        AND kind IN ('topup', 'grant', 'refund')
      GROUP BY 1`,
  ]);
  const statements = new Map<string, TStatement>();
  const statement = (key: string) => {
    let s = statements.get(key);
    if (!s) {
      s = { month: key, totalMicros: 0n, credits: 0n, byModel: [], byProject: [] };
      statements.set(key, s);
    }
    return s;
  };
  for (const row of models) {
    const s = statement(row.month);
    s.totalMicros += row.cost;
    s.byModel.push({
      provider: row.provider,
      model: row.model,
      requests: Number(row.requests),
      costMicros: row.cost,
    });
  }
  for (const row of projects) {
    statement(row.month).byProject.push({
      projectId: row.project_id,
      projectName: row.name,
      requests: Number(row.requests),
      costMicros: row.cost,
    });
  }
  for (const row of credits) statement(row.month).credits = row.credits;
  return [...statements.values()].sort((a, b) => b.month.localeCompare(a.month));
}

export async function setLowBalanceThreshold(
  services: PortalServices,
  actor: { userId: string; orgId: string; ip: string },
  thresholdMicros: bigint | null,
) {
  return services.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const before = await tx.organization.findUniqueOrThrow({
      where: { id: actor.orgId },
      select: { lowBalanceThresholdMicros: true },
    });
    const org = await tx.organization.update({
      where: { id: actor.orgId },
      data: { lowBalanceThresholdMicros: thresholdMicros },
      select: { lowBalanceThresholdMicros: true },
    });
    await writeAudit(tx, {
      orgId: actor.orgId,
      actorUserId: actor.userId,
      actorType: "user",
      action: "billing.low_balance_threshold",
      targetType: "organization",
      targetId: actor.orgId,
      metadata: {
        from: before.lowBalanceThresholdMicros?.toString() ?? null,
        to: thresholdMicros?.toString() ?? null,
      },
      ip: actor.ip,
    });
    return org;
  });
}

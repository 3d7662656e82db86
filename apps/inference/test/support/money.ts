// The money of one org as PostgreSQL holds it: its usage records, its ledger's usage entries, its
// daily rollup and its balance, for tests asserting ledger = usage = rollup.
import type { Database } from "@gw/db";

export interface MoneyTotals {
  records: number;
  /** Sum of the usage records' costs. */
  cost: bigint;
  /** Sum of the ledger's usage entries (negative: charges). */
  ledgerUsage: bigint;
  rollupCost: bigint;
  rollupRequests: number;
  balance: bigint;
}

export async function moneyTotals(db: Database, orgId: string): Promise<MoneyTotals> {
  const [usage, ledger, rollup, org] = await Promise.all([
    db.prisma.usageRecord.aggregate({ where: { orgId }, _sum: { costMicros: true }, _count: true }),
    db.prisma.creditLedgerEntry.aggregate({ where: { orgId, kind: "usage" }, _sum: { amountMicros: true } }),
    db.prisma.usageDaily.aggregate({ where: { orgId }, _sum: { costMicros: true, requests: true } }),
    db.prisma.organization.findUniqueOrThrow({ where: { id: orgId }, select: { balanceMicros: true } }),
  ]);
  return {
    records: usage._count,
    cost: usage._sum.costMicros ?? 0n,
    ledgerUsage: ledger._sum.amountMicros ?? 0n,
    rollupCost: rollup._sum.costMicros ?? 0n,
    rollupRequests: rollup._sum.requests ?? 0,
    balance: org.balanceMicros,
  };
}

// Platform administration: every organization at a glance, credit grants and deductions,
// suspension, and the price table. Every change is audited with the admin as actor.
import { randomUUID } from "node:crypto";
import {
  formatUsd,
  type TAdminOrgsPage,
  type TAdminPrices,
  type TCreditAdjustment,
  type TModelPriceRow,
  type TOrgStatus,
} from "@gw/contracts";
import { isUniqueViolation, type Prisma, postLedgerEntryInTransaction, writeAudit } from "@gw/db";
import { refreshGatewayCredits, spentSince, utcPeriodStarts } from "./billing.ts";
import { notFound, PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

export interface AdminActor {
  userId: string;
  ip: string;
}

/** Organizations by slug (its unique index), optionally matching a part of slug or name. */
export async function listOrgs(
  services: PortalServices,
  input: { search?: string | undefined; cursor?: string | null | undefined; limit: number },
): Promise<TAdminOrgsPage> {
  const prisma = services.db.prisma;
  const search = input.search?.trim();
  const rows = await prisma.organization.findMany({
    where: {
      ...(input.cursor ? { slug: { gt: input.cursor } } : {}),
      ...(search
        ? {
            OR: [
              { slug: { contains: search, mode: "insensitive" } },
              { name: { contains: search, mode: "insensitive" } },
            ],
          }
        : {}),
    },
    orderBy: { slug: "asc" },
    take: input.limit + 1,
    select: {
      id: true,
      slug: true,
      name: true,
      status: true,
      balanceMicros: true,
      createdAt: true,
      _count: { select: { memberships: true } },
    },
  });
  const page = rows.slice(0, input.limit);
  const spent = await spentSince(
    prisma,
    page.map((org) => org.id),
    utcPeriodStarts().month,
  );
  return {
    items: page.map(({ _count, ...org }) => ({
      ...org,
      spentThisMonthMicros: spent.get(org.id) ?? 0n,
      members: _count.memberships,
    })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.slug ?? null) : null,
  };
}

async function requireOrg(services: PortalServices, orgId: string) {
  const org = await services.db.prisma.organization.findUnique({
    where: { id: orgId },
    select: { id: true, slug: true, status: true },
  });
  if (!org) throw notFound("Organization");
  return org;
}

/**
 * A grant (positive, ledger kind "grant") or a deduction (negative, kind "adjustment"). The same
 * idempotency key twice posts once; a deduction may not take the balance below zero.
 */
export async function adjustCredits(
  services: PortalServices,
  actor: AdminActor,
  input: { orgId: string; amountMicros: bigint; note: string; idempotencyKey?: string | undefined },
): Promise<TCreditAdjustment> {
  await requireOrg(services, input.orgId);
  const prisma = services.db.prisma;
  const idempotencyKey = `admin:${input.idempotencyKey ?? randomUUID()}`;
  const kind = input.amountMicros > 0n ? "grant" : "adjustment";
  const replayed = (entry: { orgId: string; amountMicros: bigint }) => {
    if (entry.orgId !== input.orgId || entry.amountMicros !== input.amountMicros) {
      throw new PortalError("conflict", "This idempotency key was already used for another adjustment.");
    }
  };
  let result: { entry: Awaited<ReturnType<typeof postLedgerEntryInTransaction>>["entry"]; created: boolean };
  try {
    result = await prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      const posted = await postLedgerEntryInTransaction(tx, {
        orgId: input.orgId,
        amountMicros: input.amountMicros,
        kind,
        idempotencyKey,
        note: input.note,
        actorUserId: actor.userId,
      });
      if (!posted.created) return posted;
      // The balance row is locked by the entry's update until commit: concurrent deductions queue.
      if (input.amountMicros < 0n && posted.entry.balanceAfterMicros < 0n) {
        const before = posted.entry.balanceAfterMicros - input.amountMicros;
        throw new PortalError(
          "precondition_failed",
          `The balance is ${formatUsd(before)}; a deduction cannot take it below zero.`,
        );
      }
      await writeAudit(tx, {
        orgId: input.orgId,
        actorUserId: actor.userId,
        actorType: "user",
        action: kind === "grant" ? "billing.grant" : "billing.deduct",
        targetType: "organization",
        targetId: input.orgId,
        metadata: {
          amountMicros: input.amountMicros.toString(),
          ledgerEntryId: posted.entry.id.toString(),
          note: input.note,
        },
        ip: actor.ip,
      });
      return posted;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent request with the same key won.
    const entry = await prisma.creditLedgerEntry.findUniqueOrThrow({ where: { idempotencyKey } });
    result = { entry, created: false };
  }
  if (!result.created) replayed(result.entry);
  else await refreshGatewayCredits(services, input.orgId);
  return {
    entryId: result.entry.id.toString(),
    kind: result.entry.kind,
    amountMicros: result.entry.amountMicros,
    balanceAfterMicros: result.entry.balanceAfterMicros,
    created: result.created,
  };
}

/**
 * Suspends or reactivates an organization, then tells every gateway so its keys follow at once
 * (a suspended organization's keys are refused; its members can still read the portal).
 */
export async function setOrgStatus(
  services: PortalServices,
  actor: AdminActor,
  input: { orgId: string; status: TOrgStatus; reason?: string | undefined },
): Promise<{ orgId: string; status: TOrgStatus }> {
  const org = await requireOrg(services, input.orgId);
  if (org.status !== input.status) {
    await services.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      await tx.organization.update({ where: { id: org.id }, data: { status: input.status } });
      await writeAudit(tx, {
        orgId: org.id,
        actorUserId: actor.userId,
        actorType: "user",
        action: input.status === "suspended" ? "org.suspend" : "org.reactivate",
        targetType: "organization",
        targetId: org.id,
        metadata: { from: org.status, to: input.status, reason: input.reason ?? null },
        ip: actor.ip,
      });
    });
  }
  // Also when unchanged: a retry after a failed notice completes it.
  try {
    await services.inference.call((c) => c.orgs.changed.mutate({ orgId: org.id }));
  } catch {
    throw new PortalError(
      "unavailable",
      `The organization is ${input.status}, but the gateways could not be told yet; its API keys may keep their old state for up to 30 seconds. Retry to confirm.`,
    );
  }
  return { orgId: org.id, status: input.status };
}

const priceSelect = {
  id: true,
  provider: true,
  model: true,
  inputPerMTokMicros: true,
  outputPerMTokMicros: true,
  cachedInputPerMTokMicros: true,
  cacheWritePerMTokMicros: true,
  effectiveFrom: true,
  source: true,
} as const;

/** The price in force per provider and model (the latest one already effective), and the ones to come. */
export async function listPrices(services: PortalServices): Promise<TAdminPrices> {
  const now = new Date();
  const [current, scheduled] = await Promise.all([
    services.db.prisma.modelPrice.findMany({
      where: { effectiveFrom: { lte: now } },
      orderBy: [{ provider: "asc" }, { model: "asc" }, { effectiveFrom: "desc" }],
      distinct: ["provider", "model"],
      select: priceSelect,
    }),
    services.db.prisma.modelPrice.findMany({
      where: { effectiveFrom: { gt: now } },
      orderBy: [{ effectiveFrom: "asc" }, { provider: "asc" }, { model: "asc" }],
      select: priceSelect,
    }),
  ]);
  return { current, scheduled };
}

/** How far back an effective date may be (clock skew between the admin's browser and us). */
const BACKDATE_TOLERANCE_MS = 5 * 60_000;

/**
 * A new price row: earlier rows stay as history. Gateways load prices every 60 s, so a price
 * reaches every running gateway within a minute of its effective date.
 */
export async function setPrice(
  services: PortalServices,
  actor: AdminActor,
  input: {
    provider: string;
    model: string;
    inputPerMTokMicros: bigint;
    outputPerMTokMicros: bigint;
    cachedInputPerMTokMicros?: bigint | null | undefined;
    cacheWritePerMTokMicros?: bigint | null | undefined;
    effectiveFrom?: Date | undefined;
  },
): Promise<TModelPriceRow> {
  const effectiveFrom = input.effectiveFrom ?? new Date();
  if (effectiveFrom.getTime() < Date.now() - BACKDATE_TOLERANCE_MS) {
    throw new PortalError(
      "invalid",
      "effectiveFrom: a price cannot start in the past (usage already charged keeps its price).",
    );
  }
  try {
    return await services.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      const row = await tx.modelPrice.create({
        data: {
          provider: input.provider,
          model: input.model,
          inputPerMTokMicros: input.inputPerMTokMicros,
          outputPerMTokMicros: input.outputPerMTokMicros,
          cachedInputPerMTokMicros: input.cachedInputPerMTokMicros ?? null,
          cacheWritePerMTokMicros: input.cacheWritePerMTokMicros ?? null,
          effectiveFrom,
          source: "admin",
        },
        select: priceSelect,
      });
      await writeAudit(tx, {
        actorUserId: actor.userId,
        actorType: "user",
        action: "price.set",
        targetType: "model_price",
        targetId: row.id,
        metadata: {
          provider: row.provider,
          model: row.model,
          inputPerMTokMicros: row.inputPerMTokMicros.toString(),
          outputPerMTokMicros: row.outputPerMTokMicros.toString(),
          cachedInputPerMTokMicros: row.cachedInputPerMTokMicros?.toString() ?? null,
          cacheWritePerMTokMicros: row.cacheWritePerMTokMicros?.toString() ?? null,
          effectiveFrom: row.effectiveFrom.toISOString(),
        },
        ip: actor.ip,
      });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new PortalError("conflict", "A price for this model already starts at that moment.");
    }
    throw error;
  }
}

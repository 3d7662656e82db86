import type { LedgerKind, Prisma, PrismaClient } from "./generated/prisma/client.ts";

export interface LedgerEntryInput {
  orgId: string;
  /** Signed micro-dollars: credits positive, usage negative. */
  amountMicros: bigint;
  kind: LedgerKind;
  /** The same key twice posts once: grants, webhooks and settlements are safe to replay. */
  idempotencyKey: string;
  reference?: string | null;
  note?: string | null;
  actorUserId?: string | null;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "P2002";
}

/**
 * Posts one ledger entry and moves the organization's cached balance by the same amount, in
 * one transaction. Replaying an idempotency key returns the first entry and changes nothing,
 * also when two replays race (the unique index decides, the loser reads the winner's row).
 */
export async function postLedgerEntry(prisma: PrismaClient, input: LedgerEntryInput) {
  const existing = await prisma.creditLedgerEntry.findUnique({
    where: { idempotencyKey: input.idempotencyKey },
  });
  if (existing) return { entry: existing, created: false };
  try {
    const entry = await prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      const org = await tx.organization.update({
        where: { id: input.orgId },
        data: { balanceMicros: { increment: input.amountMicros } },
        select: { balanceMicros: true },
      });
      return tx.creditLedgerEntry.create({
        data: {
          orgId: input.orgId,
          amountMicros: input.amountMicros,
          balanceAfterMicros: org.balanceMicros,
          kind: input.kind,
          idempotencyKey: input.idempotencyKey,
          reference: input.reference ?? null,
          note: input.note ?? null,
          actorUserId: input.actorUserId ?? null,
        },
      });
    });
    return { entry, created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const entry = await prisma.creditLedgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: input.idempotencyKey },
    });
    return { entry, created: false };
  }
}

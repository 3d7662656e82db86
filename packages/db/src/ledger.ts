import type { LedgerKind, Prisma, PrismaClient } from "./generated/prisma/client.ts";
import { isUniqueViolation } from "./prisma-errors.ts";

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

/**
 * Posts one ledger entry inside the caller's transaction, so the caller can write more with it
 * (a processed-webhook row, an audit row) and commit it all or nothing. A key already posted
 * returns that entry and changes nothing; a replay racing this one makes the insert fail with a
 * unique violation (P2002), which aborts the caller's transaction: nothing of it is written.
 */
export async function postLedgerEntryInTransaction(tx: Prisma.TransactionClient, input: LedgerEntryInput) {
  const existing = await tx.creditLedgerEntry.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
  if (existing) return { entry: existing, created: false };
  const org = await tx.organization.update({
    where: { id: input.orgId },
    data: { balanceMicros: { increment: input.amountMicros } },
    select: { balanceMicros: true },
  });
  const entry = await tx.creditLedgerEntry.create({
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
  return { entry, created: true };
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
    return await prisma.$transaction((tx: Prisma.TransactionClient) =>
      postLedgerEntryInTransaction(tx, input),
    );
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const entry = await prisma.creditLedgerEntry.findUniqueOrThrow({
      where: { idempotencyKey: input.idempotencyKey },
    });
    return { entry, created: false };
  }
}

import type { Prisma, PrismaClient } from "./generated/prisma/client.ts";

export interface AuditEntry {
  orgId?: string | null;
  actorUserId?: string | null;
  actorType: "user" | "operator" | "service";
  action: string;
  targetType: string;
  targetId?: string | null;
  /** Never a secret: callers pass ids, names, amounts and prefixes only. */
  metadata?: Prisma.InputJsonValue;
  ip?: string | null;
}

export async function writeAudit(db: PrismaClient | Prisma.TransactionClient, entry: AuditEntry) {
  await db.auditLog.create({
    data: {
      orgId: entry.orgId ?? null,
      actorUserId: entry.actorUserId ?? null,
      actorType: entry.actorType,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      ...(entry.metadata === undefined ? {} : { metadata: entry.metadata }),
      ip: entry.ip ?? null,
    },
  });
}

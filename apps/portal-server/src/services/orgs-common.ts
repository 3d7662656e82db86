// What the organization, member, project and audit services share: who is acting, one
// transaction per change (the audit row goes in it), and the per-organization lock that makes
// the "last owner" and "last active project" rules hold under concurrent calls.
import type { TMemberRole } from "@gw/contracts";
import { type AuditEntry, type Prisma, writeAudit } from "@gw/db";
import type { PortalServices } from "./portal-services.ts";

export type Tx = Prisma.TransactionClient;

/** The signed-in user making a change, with the request's address for the audit row. */
export interface Actor {
  userId: string;
  ip: string;
}

/** A member acting in one organization (what orgProcedure established). */
export interface OrgActor extends Actor {
  orgId: string;
  role: TMemberRole;
}

/** Runs a change in one transaction. */
export function inTransaction<T>(services: PortalServices, work: (tx: Tx) => Promise<T>): Promise<T> {
  return services.db.prisma.$transaction(work);
}

/**
 * Locks the organization's row until the transaction ends. Every change to memberships and
 * project archival takes it first, so two concurrent calls cannot both see "another owner is
 * left" (or "another project is active") and together remove the last one.
 */
export async function lockOrg(tx: Tx, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM organizations WHERE id = ${orgId}::uuid FOR UPDATE`;
}

/** An audit row of a user's change in an organization, written with the change's transaction. */
export function auditChange(
  tx: Tx,
  actor: Actor & { orgId: string | null },
  entry: Pick<AuditEntry, "action" | "targetType" | "targetId" | "metadata">,
) {
  return writeAudit(tx, {
    orgId: actor.orgId,
    actorUserId: actor.userId,
    actorType: "user",
    ip: actor.ip,
    ...entry,
  });
}

/** API keys that would still be accepted now: active, not expired, not past a scheduled revocation. */
export function liveKeysWhere(now: Date): Prisma.ApiKeyWhereInput {
  return {
    status: "active",
    AND: [
      { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      { OR: [{ revokeAt: null }, { revokeAt: { gt: now } }] },
    ],
  };
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The acting member, from an org procedure's context. */
export function orgActor(ctx: {
  user: { id: string };
  org: { id: string };
  role: TMemberRole;
  ip: string;
}): OrgActor {
  return { userId: ctx.user.id, orgId: ctx.org.id, role: ctx.role, ip: ctx.ip };
}

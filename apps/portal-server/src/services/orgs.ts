// Organizations: create (the creator is the owner, with a default project), list the caller's,
// read, rename, delete. Deleting is refused while the organization holds credit or has API keys
// that still work: keys are revoked first through the keys procedures (which tell every gateway
// replica), so no request can be served, or settled, for an organization that no longer exists.
import { formatUsd, type TMemberRole, type TOrgDetails, type TOrgSummary } from "@gw/contracts";
import { createOrganizationInTransaction, isUniqueViolation } from "@gw/db";
import { PortalError } from "./errors.ts";
import {
  type Actor,
  auditChange,
  inTransaction,
  liveKeysWhere,
  lockOrg,
  type OrgActor,
  plural,
} from "./orgs-common.ts";
import type { PortalServices } from "./portal-services.ts";

const detailsSelect = {
  id: true,
  slug: true,
  name: true,
  status: true,
  balanceMicros: true,
  lowBalanceThresholdMicros: true,
  createdAt: true,
} as const;

export async function createOrg(
  services: PortalServices,
  actor: Actor,
  input: { slug: string; name: string },
): Promise<TOrgDetails> {
  try {
    return await inTransaction(services, async (tx) => {
      const { org, project } = await createOrganizationInTransaction(tx, {
        slug: input.slug,
        name: input.name,
        ownerUserId: actor.userId,
      });
      await auditChange(
        tx,
        { ...actor, orgId: org.id },
        {
          action: "org.create",
          targetType: "organization",
          targetId: org.id,
          metadata: { slug: org.slug, name: org.name, defaultProjectId: project.id },
        },
      );
      return {
        id: org.id,
        slug: org.slug,
        name: org.name,
        status: org.status,
        role: "owner" as const,
        balanceMicros: org.balanceMicros,
        lowBalanceThresholdMicros: org.lowBalanceThresholdMicros,
        createdAt: org.createdAt,
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new PortalError("conflict", `The slug "${input.slug}" is taken; choose another.`);
    }
    throw error;
  }
}

/** The caller's organizations, oldest membership first. */
export async function listOrgs(services: PortalServices, userId: string): Promise<TOrgSummary[]> {
  const memberships = await services.db.prisma.membership.findMany({
    where: { userId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { role: true, org: { select: { id: true, slug: true, name: true, status: true } } },
  });
  return memberships.map(({ role, org }) => ({ ...org, role }));
}

export async function getOrg(
  services: PortalServices,
  orgId: string,
  role: TMemberRole,
): Promise<TOrgDetails> {
  const org = await services.db.prisma.organization.findUniqueOrThrow({
    where: { id: orgId },
    select: detailsSelect,
  });
  return { ...org, role };
}

export async function renameOrg(
  services: PortalServices,
  actor: OrgActor,
  name: string,
): Promise<TOrgDetails> {
  return inTransaction(services, async (tx) => {
    const before = await tx.organization.findUniqueOrThrow({
      where: { id: actor.orgId },
      select: { name: true },
    });
    const org = await tx.organization.update({
      where: { id: actor.orgId },
      data: { name },
      select: detailsSelect,
    });
    await auditChange(tx, actor, {
      action: "org.rename",
      targetType: "organization",
      targetId: actor.orgId,
      metadata: { from: before.name, to: name },
    });
    return { ...org, role: actor.role };
  });
}

/**
 * Deletes the organization with everything it owns (projects, keys, usage, ledger, providers,
 * invitations, memberships). Its audit rows stay, detached (org_id becomes null); the
 * `org.delete` row names the organization in its target and metadata.
 */
export async function deleteOrg(services: PortalServices, actor: OrgActor): Promise<void> {
  await inTransaction(services, async (tx) => {
    // Locked first: a top-up or usage settlement cannot slip in between the check and the delete.
    await lockOrg(tx, actor.orgId);
    const org = await tx.organization.findUniqueOrThrow({
      where: { id: actor.orgId },
      select: { slug: true, name: true, balanceMicros: true },
    });
    if (org.balanceMicros > 0n) {
      throw new PortalError(
        "precondition_failed",
        `This organization still holds ${formatUsd(org.balanceMicros)} of credit; it can be deleted once its balance is zero (ask support for a refund).`,
      );
    }
    const liveKeys = await tx.apiKey.count({ where: { orgId: actor.orgId, ...liveKeysWhere(new Date()) } });
    if (liveKeys > 0) {
      throw new PortalError(
        "precondition_failed",
        `This organization has ${plural(liveKeys, "active API key")}; revoke them first, then delete it.`,
      );
    }
    await auditChange(
      tx,
      { ...actor, orgId: null },
      {
        action: "org.delete",
        targetType: "organization",
        targetId: actor.orgId,
        metadata: { slug: org.slug, name: org.name },
      },
    );
    await tx.organization.delete({ where: { id: actor.orgId } });
  });
}

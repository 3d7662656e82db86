// Members and invitations. An invitation is a one-time token (only its sha256 is stored), valid
// for 7 days, consumed exactly once by a conditional update. The token is the credential: the
// account that accepts it need not have the invited email (accounts' emails are not verified,
// so a match would prove little, and an inviter without mail hands the link over by hand); the
// join's audit row records both the invited email and the account's.
//
// Owner rules on top of the permission matrix: only an owner may invite an owner, make someone
// an owner, or change or remove an owner; the last owner can be neither demoted nor removed, nor
// leave. Every membership change locks the organization's row first, so concurrent changes
// cannot remove the last owner between them.
import type { TInvitation, TInviteResult, TMember, TMemberRole } from "@gw/contracts";
import { hashToken, newOneTimeToken } from "@gw/db";
import { notFound, PortalError } from "./errors.ts";
import { type Actor, auditChange, inTransaction, lockOrg, type OrgActor, type Tx } from "./orgs-common.ts";
import type { PortalServices } from "./portal-services.ts";

export const invitationTtlMs = 7 * 24 * 60 * 60_000;

const memberSelect = {
  role: true,
  createdAt: true,
  user: { select: { id: true, email: true, name: true } },
} as const;

function toMember(row: {
  role: TMemberRole;
  createdAt: Date;
  user: { id: string; email: string; name: string | null };
}): TMember {
  return {
    userId: row.user.id,
    email: row.user.email,
    name: row.user.name,
    role: row.role,
    joinedAt: row.createdAt,
  };
}

export async function listMembers(services: PortalServices, orgId: string): Promise<TMember[]> {
  const rows = await services.db.prisma.membership.findMany({
    where: { orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: memberSelect,
  });
  return rows.map(toMember);
}

const pendingWhere = (now: Date) => ({ acceptedAt: null, revokedAt: null, expiresAt: { gt: now } });

/** Pending invitations (not accepted, not revoked, not expired), newest first. */
export async function listInvitations(services: PortalServices, orgId: string): Promise<TInvitation[]> {
  const rows = await services.db.prisma.invitation.findMany({
    where: { orgId, ...pendingWhere(new Date()) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: {
      id: true,
      email: true,
      role: true,
      expiresAt: true,
      createdAt: true,
      invitedBy: { select: { id: true, email: true } },
    },
  });
  return rows;
}

function requireOwnerFor(actor: OrgActor, what: string) {
  if (actor.role !== "owner") throw new PortalError("forbidden", `Only an owner can ${what}.`);
}

export async function invite(
  services: PortalServices,
  actor: OrgActor,
  input: { email: string; role: TMemberRole },
): Promise<TInviteResult> {
  if (input.role === "owner") requireOwnerFor(actor, "invite an owner");
  const { token, hash } = newOneTimeToken();
  const invitation = await inTransaction(services, async (tx) => {
    await lockOrg(tx, actor.orgId);
    const member = await tx.membership.findFirst({
      where: { orgId: actor.orgId, user: { email: input.email } },
      select: { id: true },
    });
    if (member) throw new PortalError("conflict", `${input.email} is already a member of this organization.`);
    // A new invitation for the same email replaces the pending ones: only the newest link works.
    const replaced = await tx.invitation.updateMany({
      where: { orgId: actor.orgId, email: input.email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const created = await tx.invitation.create({
      data: {
        orgId: actor.orgId,
        email: input.email,
        role: input.role,
        tokenHash: hash,
        invitedById: actor.userId,
        expiresAt: new Date(Date.now() + invitationTtlMs),
      },
      select: { id: true, org: { select: { name: true } } },
    });
    await auditChange(tx, actor, {
      action: "member.invite",
      targetType: "invitation",
      targetId: created.id,
      metadata: { email: input.email, role: input.role, replacedInvitations: replaced.count },
    });
    return created;
  });
  const inviteUrl = `${services.env.PORTAL_PUBLIC_URL.replace(/\/+$/, "")}/invite?token=${token}`;
  let mailed = false;
  if (services.mailer.enabled) {
    try {
      await services.mailer.send({
        to: input.email,
        subject: `You are invited to ${invitation.org.name} on LLM Gateway`,
        text: `You are invited to join ${invitation.org.name} as ${input.role}. To accept, sign in (or create an account) and open:\n\n${inviteUrl}\n\nThe link works once, for 7 days.`,
      });
      mailed = true;
    } catch (error) {
      services.log.error({ err: error, invitationId: invitation.id }, "invitation mail not sent");
    }
  }
  return { invitationId: invitation.id, inviteUrl, mailed };
}

export async function revokeInvitation(services: PortalServices, actor: OrgActor, invitationId: string) {
  await inTransaction(services, async (tx) => {
    const invitation = await tx.invitation.findFirst({
      where: { id: invitationId, orgId: actor.orgId },
      select: { id: true, email: true, role: true, acceptedAt: true, revokedAt: true },
    });
    if (!invitation) throw notFound("Invitation");
    if (invitation.acceptedAt)
      throw new PortalError("precondition_failed", "This invitation was already accepted.");
    const revoked = await tx.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (revoked.count !== 1) {
      throw new PortalError("precondition_failed", "This invitation is no longer pending.");
    }
    await auditChange(tx, actor, {
      action: "member.invitation_revoke",
      targetType: "invitation",
      targetId: invitation.id,
      metadata: { email: invitation.email, role: invitation.role },
    });
  });
}

export async function acceptInvitation(
  services: PortalServices,
  actor: Actor & { email: string },
  token: string,
): Promise<{ orgId: string; role: TMemberRole }> {
  const invitation = await services.db.prisma.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      id: true,
      orgId: true,
      email: true,
      role: true,
      expiresAt: true,
      acceptedAt: true,
      revokedAt: true,
      org: { select: { status: true } },
    },
  });
  if (!invitation) throw new PortalError("invalid", "This invitation link is invalid.");
  if (invitation.acceptedAt)
    throw new PortalError("precondition_failed", "This invitation was already used.");
  if (invitation.revokedAt) throw new PortalError("precondition_failed", "This invitation was revoked.");
  if (invitation.expiresAt.getTime() <= Date.now()) {
    throw new PortalError("precondition_failed", "This invitation has expired; ask for a new one.");
  }
  if (invitation.org.status === "suspended") {
    throw new PortalError("forbidden", "This organization is suspended; contact support.");
  }
  return inTransaction(services, async (tx) => {
    await lockOrg(tx, invitation.orgId);
    const existing = await tx.membership.findUnique({
      where: { orgId_userId: { orgId: invitation.orgId, userId: actor.userId } },
      select: { id: true },
    });
    // Refused before the token is consumed: the link stays usable by the person it was meant for.
    if (existing) throw new PortalError("conflict", "You are already a member of this organization.");
    // Consumed in the statement that checks it: of two concurrent accepts, one wins.
    const consumed = await tx.invitation.updateMany({
      where: { id: invitation.id, ...pendingWhere(new Date()) },
      data: { acceptedAt: new Date() },
    });
    if (consumed.count !== 1) {
      throw new PortalError(
        "precondition_failed",
        "This invitation is no longer valid (used, revoked or expired).",
      );
    }
    await tx.membership.create({
      data: { orgId: invitation.orgId, userId: actor.userId, role: invitation.role },
    });
    await auditChange(
      tx,
      { ...actor, orgId: invitation.orgId },
      {
        action: "member.join",
        targetType: "user",
        targetId: actor.userId,
        metadata: {
          invitationId: invitation.id,
          role: invitation.role,
          invitedEmail: invitation.email,
          email: actor.email,
        },
      },
    );
    return { orgId: invitation.orgId, role: invitation.role };
  });
}

async function ownerCount(tx: Tx, orgId: string) {
  return tx.membership.count({ where: { orgId, role: "owner" } });
}

async function findMember(tx: Tx, orgId: string, userId: string) {
  const member = await tx.membership.findUnique({
    where: { orgId_userId: { orgId, userId } },
    select: { id: true, ...memberSelect },
  });
  if (!member) throw notFound("Member");
  return member;
}

export async function changeRole(
  services: PortalServices,
  actor: OrgActor,
  input: { userId: string; role: TMemberRole },
): Promise<TMember> {
  return inTransaction(services, async (tx) => {
    await lockOrg(tx, actor.orgId);
    const member = await findMember(tx, actor.orgId, input.userId);
    if (input.role === "owner" || member.role === "owner") {
      requireOwnerFor(actor, "make someone an owner or change an owner's role");
    }
    if (member.role === input.role) return toMember(member);
    if (member.role === "owner" && (await ownerCount(tx, actor.orgId)) === 1) {
      throw new PortalError(
        "precondition_failed",
        "The last owner cannot be demoted: make another member an owner first.",
      );
    }
    const updated = await tx.membership.update({
      where: { id: member.id },
      data: { role: input.role },
      select: memberSelect,
    });
    await auditChange(tx, actor, {
      action: "member.role_change",
      targetType: "user",
      targetId: input.userId,
      metadata: { email: member.user.email, from: member.role, to: input.role },
    });
    return toMember(updated);
  });
}

/** Removes a member (`remove`) or the caller (`leave`), within the owner rules. */
async function dropMembership(
  services: PortalServices,
  actor: OrgActor,
  userId: string,
  how: "remove" | "leave",
) {
  await inTransaction(services, async (tx) => {
    await lockOrg(tx, actor.orgId);
    const member = await findMember(tx, actor.orgId, userId);
    if (member.role === "owner") {
      if (how === "remove") requireOwnerFor(actor, "remove an owner");
      if ((await ownerCount(tx, actor.orgId)) === 1) {
        throw new PortalError(
          "precondition_failed",
          how === "remove"
            ? "The last owner cannot be removed: make another member an owner first."
            : "You are the last owner: make another member an owner first, or delete the organization.",
        );
      }
    }
    await tx.membership.delete({ where: { id: member.id } });
    await auditChange(tx, actor, {
      action: `member.${how}`,
      targetType: "user",
      targetId: userId,
      metadata: { email: member.user.email, role: member.role },
    });
  });
}

export function removeMember(services: PortalServices, actor: OrgActor, userId: string) {
  return dropMembership(services, actor, userId, "remove");
}

/** Any member may leave, except the last owner. */
export function leaveOrg(services: PortalServices, actor: OrgActor) {
  return dropMembership(services, actor, actor.userId, "leave");
}

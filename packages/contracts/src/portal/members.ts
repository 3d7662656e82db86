// Portal members procedures: inputs and outputs.
import { z } from "zod";
import { ZMemberRole } from "../enums.ts";
import { ZEmail } from "../identifiers.ts";

const ZId = z.uuid();

export const ZListMembersInput = z.object({ orgId: ZId });

export const ZMember = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  role: ZMemberRole,
  joinedAt: z.date(),
});
export type TMember = z.infer<typeof ZMember>;

export const ZListInvitationsInput = z.object({ orgId: ZId });

/** A pending invitation: never its token (only its hash is stored). */
export const ZInvitation = z.object({
  id: z.uuid(),
  email: z.string(),
  role: ZMemberRole,
  invitedBy: z.object({ id: z.uuid(), email: z.string() }).nullable(),
  expiresAt: z.date(),
  createdAt: z.date(),
});
export type TInvitation = z.infer<typeof ZInvitation>;

export const ZInviteMemberInput = z.object({ orgId: ZId, email: ZEmail, role: ZMemberRole });

export const ZInviteResult = z.object({
  invitationId: z.uuid(),
  /** The one-time link, shown to the inviter once so it can be sent by hand when mail is off. */
  inviteUrl: z.string(),
  /** True when the link was mailed to the invitee. */
  mailed: z.boolean(),
});
export type TInviteResult = z.infer<typeof ZInviteResult>;

export const ZRevokeInvitationInput = z.object({ orgId: ZId, invitationId: ZId });

export const ZAcceptInvitationInput = z.object({ token: z.string().min(20).max(200) });
export const ZAcceptInvitationResult = z.object({ orgId: z.uuid(), role: ZMemberRole });

export const ZChangeMemberRoleInput = z.object({ orgId: ZId, userId: ZId, role: ZMemberRole });
export const ZRemoveMemberInput = z.object({ orgId: ZId, userId: ZId });
export const ZLeaveOrgInput = z.object({ orgId: ZId });

export const ZMemberOk = z.object({ ok: z.literal(true) });

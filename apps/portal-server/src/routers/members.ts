import {
  ZAcceptInvitationInput,
  ZAcceptInvitationResult,
  ZChangeMemberRoleInput,
  ZInvitation,
  ZInviteMemberInput,
  ZInviteResult,
  ZLeaveOrgInput,
  ZListInvitationsInput,
  ZListMembersInput,
  ZMember,
  ZMemberOk,
  ZRemoveMemberInput,
  ZRevokeInvitationInput,
} from "@gw/contracts";
import { z } from "zod";
import * as members from "../services/members.ts";
import { orgActor } from "../services/orgs-common.ts";
import { orgProcedure, router, userProcedure } from "../trpc/trpc.ts";

const ok = { ok: true as const };

export const membersRouter = router({
  list: orgProcedure("members:read")
    .input(ZListMembersInput)
    .output(z.array(ZMember))
    .query(({ ctx }) => members.listMembers(ctx.services, ctx.org.id)),
  /** Pending invitations: not accepted, not revoked, not expired. */
  invitations: orgProcedure("members:read")
    .input(ZListInvitationsInput)
    .output(z.array(ZInvitation))
    .query(({ ctx }) => members.listInvitations(ctx.services, ctx.org.id)),
  /** Returns the one-time link (mailed too when mail is on); only an owner may invite an owner. */
  invite: orgProcedure("members:invite")
    .input(ZInviteMemberInput)
    .output(ZInviteResult)
    .mutation(({ ctx, input }) => members.invite(ctx.services, orgActor(ctx), input)),
  revokeInvitation: orgProcedure("members:invite")
    .input(ZRevokeInvitationInput)
    .output(ZMemberOk)
    .mutation(async ({ ctx, input }) => {
      await members.revokeInvitation(ctx.services, orgActor(ctx), input.invitationId);
      return ok;
    }),
  /** The signed-in user joins with the invited role; any account may use the link, once. */
  accept: userProcedure
    .input(ZAcceptInvitationInput)
    .output(ZAcceptInvitationResult)
    .mutation(({ ctx, input }) =>
      members.acceptInvitation(
        ctx.services,
        { userId: ctx.user.id, email: ctx.user.email, ip: ctx.ip },
        input.token,
      ),
    ),
  changeRole: orgProcedure("members:manage")
    .input(ZChangeMemberRoleInput)
    .output(ZMember)
    .mutation(({ ctx, input }) => members.changeRole(ctx.services, orgActor(ctx), input)),
  remove: orgProcedure("members:manage")
    .input(ZRemoveMemberInput)
    .output(ZMemberOk)
    .mutation(async ({ ctx, input }) => {
      await members.removeMember(ctx.services, orgActor(ctx), input.userId);
      return ok;
    }),
  /** Any member may leave, except the last owner. */
  leave: orgProcedure("org:read")
    .input(ZLeaveOrgInput)
    .output(ZMemberOk)
    .mutation(async ({ ctx }) => {
      await members.leaveOrg(ctx.services, orgActor(ctx));
      return ok;
    }),
});

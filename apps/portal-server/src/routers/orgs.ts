import {
  ZCreateOrgInput,
  ZDeleteOrgInput,
  ZDeleteOrgResult,
  ZGetOrgInput,
  ZOrgDetails,
  ZOrgSummary,
  ZRenameOrgInput,
} from "@gw/contracts";
import { z } from "zod";
import * as orgs from "../services/orgs.ts";
import { orgActor } from "../services/orgs-common.ts";
import { orgProcedure, router, userProcedure } from "../trpc/trpc.ts";

export const orgsRouter = router({
  /** A new organization; the caller is its owner, and it starts with a default project. */
  create: userProcedure
    .input(ZCreateOrgInput)
    .output(ZOrgDetails)
    .mutation(({ ctx, input }) => orgs.createOrg(ctx.services, { userId: ctx.user.id, ip: ctx.ip }, input)),
  /** The caller's organizations, with the caller's role in each. */
  list: userProcedure
    .output(z.array(ZOrgSummary))
    .query(({ ctx }) => orgs.listOrgs(ctx.services, ctx.user.id)),
  get: orgProcedure("org:read")
    .input(ZGetOrgInput)
    .output(ZOrgDetails)
    .query(({ ctx }) => orgs.getOrg(ctx.services, ctx.org.id, ctx.role)),
  rename: orgProcedure("org:update")
    .input(ZRenameOrgInput)
    .output(ZOrgDetails)
    .mutation(({ ctx, input }) => orgs.renameOrg(ctx.services, orgActor(ctx), input.name)),
  /** Refused while the organization holds credit or has API keys that still work. */
  delete: orgProcedure("org:delete")
    .input(ZDeleteOrgInput)
    .output(ZDeleteOrgResult)
    .mutation(async ({ ctx }) => {
      await orgs.deleteOrg(ctx.services, orgActor(ctx));
      return { ok: true as const };
    }),
});

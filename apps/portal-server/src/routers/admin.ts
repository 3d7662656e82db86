import {
  ZAdjustCreditsInput,
  ZAdminOrgsInput,
  ZAdminOrgsPage,
  ZAdminPrices,
  ZCreditAdjustment,
  ZModelPriceRow,
  ZOrgStatusResult,
  ZSetOrgStatusInput,
  ZSetPriceInput,
} from "@gw/contracts";
import * as admin from "../services/admin.ts";
import { adminProcedure, router } from "../trpc/trpc.ts";

export const adminRouter = router({
  orgs: adminProcedure
    .input(ZAdminOrgsInput)
    .output(ZAdminOrgsPage)
    .query(({ ctx, input }) => admin.listOrgs(ctx.services, input)),
  adjustCredits: adminProcedure
    .input(ZAdjustCreditsInput)
    .output(ZCreditAdjustment)
    .mutation(({ ctx, input }) =>
      admin.adjustCredits(ctx.services, { userId: ctx.user.id, ip: ctx.ip }, input),
    ),
  setOrgStatus: adminProcedure
    .input(ZSetOrgStatusInput)
    .output(ZOrgStatusResult)
    .mutation(({ ctx, input }) =>
      admin.setOrgStatus(ctx.services, { userId: ctx.user.id, ip: ctx.ip }, input),
    ),
  prices: adminProcedure.output(ZAdminPrices).query(({ ctx }) => admin.listPrices(ctx.services)),
  setPrice: adminProcedure
    .input(ZSetPriceInput)
    .output(ZModelPriceRow)
    .mutation(({ ctx, input }) => admin.setPrice(ctx.services, { userId: ctx.user.id, ip: ctx.ip }, input)),
});

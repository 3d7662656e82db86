import {
  ZBillingLedgerInput,
  ZBillingStatementsInput,
  ZBillingSummary,
  ZBillingSummaryInput,
  ZCheckout,
  ZCreateCheckoutInput,
  ZLedgerPage,
  ZLowBalanceThreshold,
  ZSetLowBalanceThresholdInput,
  ZStatements,
} from "@gw/contracts";
import * as billing from "../services/billing.ts";
import { createCheckout } from "../services/stripe.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

export const billingRouter = router({
  summary: orgProcedure("billing:read")
    .input(ZBillingSummaryInput)
    .output(ZBillingSummary)
    .query(({ ctx }) => billing.billingSummary(ctx.services, ctx.org.id)),
  ledger: orgProcedure("billing:read")
    .input(ZBillingLedgerInput)
    .output(ZLedgerPage)
    .query(({ ctx, input }) => billing.billingLedger(ctx.services, ctx.org.id, input)),
  statements: orgProcedure("billing:read")
    .input(ZBillingStatementsInput)
    .output(ZStatements)
    .query(({ ctx, input }) => billing.billingStatements(ctx.services, ctx.org.id, input.months)),
  setLowBalanceThreshold: orgProcedure("billing:manage")
    .input(ZSetLowBalanceThresholdInput)
    .output(ZLowBalanceThreshold)
    .mutation(({ ctx, input }) =>
      billing.setLowBalanceThreshold(
        ctx.services,
        { userId: ctx.user.id, orgId: ctx.org.id, ip: ctx.ip },
        input.thresholdMicros,
      ),
    ),
  /** A Stripe Checkout page for a top-up; the credit arrives with Stripe's webhook. */
  createCheckout: orgProcedure("billing:manage")
    .input(ZCreateCheckoutInput)
    .output(ZCheckout)
    .mutation(({ ctx, input }) =>
      createCheckout(
        ctx.services,
        { userId: ctx.user.id, email: ctx.user.email, orgId: ctx.org.id },
        input.amountMicros,
      ),
    ),
});

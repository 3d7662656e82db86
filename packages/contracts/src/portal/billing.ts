// Portal billing procedures: inputs and outputs. Money is micro-dollar bigints throughout.
import { z } from "zod";
import { ZLedgerKind } from "../enums.ts";
import { formatUsd } from "../money.ts";

const ZOrgId = z.uuid();
const ZMicros = z.bigint();

/** Top-ups through Stripe Checkout: from $5 to $10,000, in whole cents. */
export const minTopUpMicros = 5_000_000n;
export const maxTopUpMicros = 10_000_000_000n;
/** One US cent in micro-dollars: Stripe charges whole cents. */
export const microsPerCent = 10_000n;

export const ZBillingSummaryInput = z.object({ orgId: ZOrgId });

export const ZBillingSummary = z.object({
  /** The organization's balance (the ledger's running total). */
  balanceMicros: ZMicros,
  /** Held by requests in flight; null when the gateway could not be asked. */
  reservedMicros: ZMicros.nullable(),
  /** balance − reserved (balance alone when reserved is unknown). */
  availableMicros: ZMicros,
  lowBalanceThresholdMicros: ZMicros.nullable(),
  /** available is below the threshold (false without a threshold). */
  lowBalance: z.boolean(),
  /** Usage cost of the current UTC day and month, from the daily rollup. */
  spentTodayMicros: ZMicros,
  spentThisMonthMicros: ZMicros,
  /** Stripe Checkout top-ups are configured on this installation. */
  stripeEnabled: z.boolean(),
});
export type TBillingSummary = z.infer<typeof ZBillingSummary>;

/** Opaque: pass back what the previous page returned as nextCursor. */
export const ZLedgerCursor = z.string().regex(/^\d{13}\.\d+$/, "not a ledger cursor");

export const ZBillingLedgerInput = z.object({
  orgId: ZOrgId,
  cursor: ZLedgerCursor.nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const ZLedgerItem = z.object({
  /** The ledger entry's id (a bigint in the database), as a string. */
  id: z.string(),
  /** Signed: credits positive, usage and deductions negative. */
  amountMicros: ZMicros,
  balanceAfterMicros: ZMicros,
  kind: ZLedgerKind,
  /** A Stripe Checkout session id, a usage batch, ... */
  reference: z.string().nullable(),
  note: z.string().nullable(),
  /** Who made the change; null for usage and when the account is gone. */
  actor: z.object({ id: z.uuid(), email: z.string() }).nullable(),
  createdAt: z.date(),
});
export type TLedgerItem = z.infer<typeof ZLedgerItem>;

export const ZLedgerPage = z.object({
  items: z.array(ZLedgerItem),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: ZLedgerCursor.nullable(),
});
export type TLedgerPage = z.infer<typeof ZLedgerPage>;

export const ZBillingStatementsInput = z.object({
  orgId: ZOrgId,
  /** How many months back, the current one included. */
  months: z.number().int().min(1).max(36).default(12),
});

export const ZStatement = z.object({
  /** UTC calendar month, "YYYY-MM". */
  month: z.string().regex(/^\d{4}-\d{2}$/),
  /** Usage cost of the month. */
  totalMicros: ZMicros,
  /** Top-ups, grants and refunds posted in the month. */
  credits: ZMicros,
  byModel: z.array(
    z.object({ provider: z.string(), model: z.string(), requests: z.number().int(), costMicros: ZMicros }),
  ),
  byProject: z.array(
    z.object({
      projectId: z.uuid(),
      projectName: z.string(),
      requests: z.number().int(),
      costMicros: ZMicros,
    }),
  ),
});
export type TStatement = z.infer<typeof ZStatement>;
export const ZStatements = z.array(ZStatement);

export const ZSetLowBalanceThresholdInput = z.object({
  orgId: ZOrgId,
  /** null: no low-balance warning. */
  thresholdMicros: z.bigint().nonnegative("must not be negative").max(1_000_000_000_000n).nullable(),
});
export const ZLowBalanceThreshold = z.object({ lowBalanceThresholdMicros: ZMicros.nullable() });

export const ZCreateCheckoutInput = z.object({
  orgId: ZOrgId,
  amountMicros: z
    .bigint()
    .min(minTopUpMicros, `the smallest top-up is ${formatUsd(minTopUpMicros)}`)
    .max(maxTopUpMicros, `the largest top-up is ${formatUsd(maxTopUpMicros)}`)
    .refine((micros) => micros % microsPerCent === 0n, "use whole cents, e.g. 25 or 25.50"),
});
export const ZCheckout = z.object({ url: z.url() });

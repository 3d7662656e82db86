// Platform admin procedures: inputs and outputs.
import { z } from "zod";
import { ZLedgerKind, ZOrgStatus } from "../enums.ts";

const ZMicros = z.bigint();
const ZPriceMicros = z.bigint().nonnegative("must not be negative").max(1_000_000_000_000n);

/** Opaque: pass back what the previous page returned as nextCursor (an organization's slug). */
export const ZAdminOrgsCursor = z.string().min(1).max(100);

export const ZAdminOrgsInput = z
  .object({
    /** Part of a slug or name, any case. */
    search: z.string().trim().max(100).optional(),
    cursor: ZAdminOrgsCursor.nullish(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .default({ limit: 50 });

export const ZAdminOrg = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  status: ZOrgStatus,
  balanceMicros: ZMicros,
  /** Usage cost of the current UTC month. */
  spentThisMonthMicros: ZMicros,
  members: z.number().int(),
  createdAt: z.date(),
});
export type TAdminOrg = z.infer<typeof ZAdminOrg>;

export const ZAdminOrgsPage = z.object({
  items: z.array(ZAdminOrg),
  nextCursor: ZAdminOrgsCursor.nullable(),
});
export type TAdminOrgsPage = z.infer<typeof ZAdminOrgsPage>;

export const ZAdjustCreditsInput = z.object({
  orgId: z.uuid(),
  /** Signed: positive grants credit, negative deducts it. */
  amountMicros: z
    .bigint()
    .refine((micros) => micros !== 0n, "must not be zero")
    .refine((micros) => micros >= -1_000_000_000_000n && micros <= 1_000_000_000_000n, "at most $1,000,000"),
  note: z.string().trim().min(1, "say why").max(500),
  /** The same key twice adjusts once (a retried click); one is made up when absent. */
  idempotencyKey: z.string().trim().min(8).max(100).optional(),
});

export const ZCreditAdjustment = z.object({
  /** The ledger entry's id. */
  entryId: z.string(),
  kind: ZLedgerKind,
  amountMicros: ZMicros,
  balanceAfterMicros: ZMicros,
  /** false: this idempotency key was already posted; nothing changed. */
  created: z.boolean(),
});
export type TCreditAdjustment = z.infer<typeof ZCreditAdjustment>;

export const ZSetOrgStatusInput = z.object({
  orgId: z.uuid(),
  status: ZOrgStatus,
  reason: z.string().trim().max(500).optional(),
});
export const ZOrgStatusResult = z.object({ orgId: z.uuid(), status: ZOrgStatus });

export const ZModelPriceRow = z.object({
  id: z.uuid(),
  provider: z.string(),
  model: z.string(),
  /** Micro-dollars per million tokens. */
  inputPerMTokMicros: ZMicros,
  outputPerMTokMicros: ZMicros,
  cachedInputPerMTokMicros: ZMicros.nullable(),
  cacheWritePerMTokMicros: ZMicros.nullable(),
  effectiveFrom: z.date(),
  source: z.string().nullable(),
});
export type TModelPriceRow = z.infer<typeof ZModelPriceRow>;

export const ZAdminPrices = z.object({
  /** The price in force now, one per provider and model. */
  current: z.array(ZModelPriceRow),
  /** Prices that take effect later. */
  scheduled: z.array(ZModelPriceRow),
});
export type TAdminPrices = z.infer<typeof ZAdminPrices>;

export const ZSetPriceInput = z.object({
  provider: z.string().trim().min(1).max(100),
  model: z.string().trim().min(1).max(200),
  inputPerMTokMicros: ZPriceMicros,
  outputPerMTokMicros: ZPriceMicros,
  cachedInputPerMTokMicros: ZPriceMicros.nullish(),
  cacheWritePerMTokMicros: ZPriceMicros.nullish(),
  /** Default now; not in the past (the history records what was charged). */
  effectiveFrom: z.date().optional(),
});

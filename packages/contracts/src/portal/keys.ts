// Portal keys procedures: inputs and outputs. Dates cross tRPC as Date objects (superjson);
// money as micro-dollar bigints (parse what people type with parseUsd / ZUsdAmount first).
import { z } from "zod";
import { ZApiKeyStatus } from "../enums.ts";
import { ZAllowedModels } from "../identifiers.ts";

const ZId = z.uuid();

export const ZKeyName = z.string().trim().min(1, "enter a name").max(100);
/** Requests or tokens per minute; null: no limit. */
export const ZKeyRateLimit = z.number().int().positive().max(10_000_000);
/** Micro-dollars the key may spend in total; null: no limit. */
export const ZKeySpendLimit = z.bigint().positive("must be more than $0");

/** Longest rotation grace period: the old key keeps working for at most 7 days. */
export const maxRotationGraceSeconds = 7 * 24 * 60 * 60;

export const ZListKeysInput = z.object({
  orgId: ZId,
  projectId: ZId.optional(),
  /** Effective status (see ZApiKey.status). */
  status: ZApiKeyStatus.optional(),
});

export const ZCreateKeyInput = z.object({
  orgId: ZId,
  projectId: ZId,
  name: ZKeyName,
  rpmLimit: ZKeyRateLimit.nullable().optional(),
  tpmLimit: ZKeyRateLimit.nullable().optional(),
  spendLimitMicros: ZKeySpendLimit.nullable().optional(),
  /** Must be in the future. */
  expiresAt: z.date().nullable().optional(),
  allowedModels: ZAllowedModels.optional(),
  /** Test keys start with "sk-test-". */
  isTest: z.boolean().optional(),
});
export type TCreateKeyInput = z.input<typeof ZCreateKeyInput>;

/** Fields left out stay as they are; null clears a limit or the expiry. */
export const ZUpdateApiKeyInput = z.object({
  orgId: ZId,
  keyId: ZId,
  name: ZKeyName.optional(),
  rpmLimit: ZKeyRateLimit.nullable().optional(),
  tpmLimit: ZKeyRateLimit.nullable().optional(),
  spendLimitMicros: ZKeySpendLimit.nullable().optional(),
  expiresAt: z.date().nullable().optional(),
  allowedModels: ZAllowedModels.optional(),
});
export type TUpdateApiKeyInput = z.input<typeof ZUpdateApiKeyInput>;

export const ZKeyRefInput = z.object({ orgId: ZId, keyId: ZId });

export const ZRotateKeyInput = z.object({
  orgId: ZId,
  keyId: ZId,
  /** How long the old key keeps working, 0 (revoked at once) to 7 days. */
  gracePeriodSeconds: z
    .number()
    .int()
    .min(0)
    .max(maxRotationGraceSeconds, "the grace period is at most 7 days (604800 seconds)"),
});

/** A key as lists show it. Never its hash; the key itself only in ZNewKey, once. */
export const ZApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  /**
   * Effective: "revoked" once revoked or past a scheduled revokeAt, "expired" once past
   * expiresAt (or a trial's end), otherwise "active".
   */
  status: ZApiKeyStatus,
  projectId: z.uuid(),
  projectName: z.string(),
  isTest: z.boolean(),
  createdBy: z.object({ id: z.uuid(), email: z.string() }).nullable(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  /** Set when revocation is scheduled (rotation) or done at a time. */
  revokeAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  /** The key that replaced this one in a rotation. */
  replacedById: z.uuid().nullable(),
  spentMicros: z.bigint(),
  spendLimitMicros: z.bigint().nullable(),
  rpmLimit: z.number().int().nullable(),
  tpmLimit: z.number().int().nullable(),
  allowedModels: z.array(z.string()),
});
export type TApiKey = z.infer<typeof ZApiKey>;

/** The most keys keys.list returns (newest first); narrow by project or status to see others. */
export const maxListedKeys = 1000;

export const ZNewKey = z.object({
  id: z.uuid(),
  /** The full key: shown once, never stored or retrievable again. */
  key: z.string(),
  prefix: z.string(),
});
export type TNewKey = z.infer<typeof ZNewKey>;

export const ZRotatedKey = ZNewKey.extend({
  /** When the old key stops working. */
  oldKeyRevokeAt: z.date(),
});
export type TRotatedKey = z.infer<typeof ZRotatedKey>;

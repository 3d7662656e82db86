// The internal contract between the portal server and the inference service (tRPC over
// /internal/trpc, service token). Amounts cross it as micro-dollar bigints (superjson).
import { z } from "zod";
import { ZProviderKind } from "./enums.ts";
import { ZAllowedModels } from "./identifiers.ts";

const ZId = z.uuid();
const ZMicros = z.bigint().nonnegative();
const ZLimit = z.number().int().positive().max(10_000_000);

export const ZIssueKeyInput = z.object({
  orgId: ZId,
  projectId: ZId,
  name: z.string().trim().min(1).max(100),
  /** The authenticated portal user on whose behalf the key is minted. */
  createdByUserId: ZId,
  isTest: z.boolean().default(false),
  rpmLimit: ZLimit.nullable().default(null),
  tpmLimit: ZLimit.nullable().default(null),
  spendLimitMicros: ZMicros.nullable().default(null),
  expiresAt: z.date().nullable().default(null),
  /** Each entry must name a model the organization can use (see replacesKeyId). */
  allowedModels: ZAllowedModels.default([]),
  /**
   * Rotation: the key this one replaces. Its allowed models are carried over as they are, even
   * entries that name no model any more; only entries it does not have are checked.
   */
  replacesKeyId: ZId.optional(),
});
export type TIssueKeyInput = z.input<typeof ZIssueKeyInput>;

export const ZIssuedKey = z.object({
  id: ZId,
  /** The full key: returned once, never stored. */
  key: z.string(),
  prefix: z.string(),
});
export type TIssuedKey = z.infer<typeof ZIssuedKey>;

export const ZRevokeKeyInput = z.object({
  orgId: ZId,
  keyId: ZId,
  actorUserId: ZId.nullable(),
  /** Rotation: keep working until then, then revoked. Unset: now. */
  at: z.date().optional(),
});

export const ZUpdateKeyInput = z.object({
  orgId: ZId,
  keyId: ZId,
  actorUserId: ZId.nullable(),
  name: z.string().trim().min(1).max(100).optional(),
  rpmLimit: ZLimit.nullable().optional(),
  tpmLimit: ZLimit.nullable().optional(),
  spendLimitMicros: ZMicros.nullable().optional(),
  expiresAt: z.date().nullable().optional(),
  /** Only entries the key does not have yet are checked: a key whose models went away stays editable. */
  allowedModels: ZAllowedModels.optional(),
});

export const ZKeyState = z.object({
  id: ZId,
  prefix: z.string(),
  status: z.enum(["active", "revoked", "expired"]),
});

export const ZCatalogModel = z.object({
  /** What clients send as `model`. */
  id: z.string(),
  kind: z.enum(["alias", "model"]),
  /** Served by, in try order. */
  targets: z.array(z.object({ provider: z.string(), model: z.string() })),
  available: z.boolean(),
  /** Micro-dollars per million tokens of the first target; null when it has no price. */
  price: z
    .object({
      input: ZMicros,
      output: ZMicros,
      cachedInput: ZMicros.nullable(),
      cacheWrite: ZMicros.nullable(),
    })
    .nullable(),
  free: z.boolean(),
});
export type TCatalogModel = z.infer<typeof ZCatalogModel>;

export const ZProviderTestInput = z.object({
  kind: ZProviderKind,
  /** Required for openai_compatible; optional override for openai / anthropic. */
  baseUrl: z.url().optional(),
  apiKey: z.string().min(1).max(500),
});

export const ZProviderTestResult = z.object({
  ok: z.boolean(),
  models: z.array(z.string()),
  /** The gateway's own words on what failed; never the provider's raw body. */
  error: z.string().nullable(),
  latencyMs: z.number().int(),
});
export type TProviderTestResult = z.infer<typeof ZProviderTestResult>;

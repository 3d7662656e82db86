// Enums shared by the servers and the portal. Each mirrors the Prisma enum of the same name in
// packages/db/prisma/schema.prisma, value for value (test/enums.test.ts checks it), so the
// browser can use them without importing Prisma.
import { z } from "zod";

/** Prisma `MemberRole`: a user's role in an organization, strongest first. */
export const ZMemberRole = z.enum(["owner", "admin", "member", "viewer"]);
export type TMemberRole = z.infer<typeof ZMemberRole>;

/** Prisma `ApiKeyStatus`. */
export const ZApiKeyStatus = z.enum(["active", "revoked", "expired"]);
export type TApiKeyStatus = z.infer<typeof ZApiKeyStatus>;

/** Prisma `LedgerKind`: why a credit ledger entry exists. */
export const ZLedgerKind = z.enum(["topup", "usage", "grant", "refund", "adjustment"]);
export type TLedgerKind = z.infer<typeof ZLedgerKind>;

/** Prisma `UsageOutcome`: how a metered request ended. */
export const ZUsageOutcome = z.enum([
  "success",
  "upstream_error",
  "client_error",
  "rate_limited",
  "insufficient_quota",
  "cancelled",
  "timeout",
  "gateway_error",
  "interrupted",
]);
export type TUsageOutcome = z.infer<typeof ZUsageOutcome>;

/** Prisma `ProviderKind`: which wire format a provider speaks. */
export const ZProviderKind = z.enum(["openai", "anthropic", "openai_compatible"]);
export type TProviderKind = z.infer<typeof ZProviderKind>;

/** Prisma `ProviderStatus`. */
export const ZProviderStatus = z.enum(["active", "disabled", "error"]);
export type TProviderStatus = z.infer<typeof ZProviderStatus>;

/** Prisma `OrgStatus`. */
export const ZOrgStatus = z.enum(["active", "suspended"]);
export type TOrgStatus = z.infer<typeof ZOrgStatus>;

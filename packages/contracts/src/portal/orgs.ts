// Portal orgs procedures: inputs and outputs.
import { z } from "zod";
import { ZMemberRole, ZOrgStatus } from "../enums.ts";
import { ZSlug } from "../identifiers.ts";

const ZOrgId = z.uuid();

/** An organization's display name. */
export const ZOrgName = z.string().trim().min(1, "enter a name").max(100);

export const ZCreateOrgInput = z.object({ slug: ZSlug, name: ZOrgName });
export const ZGetOrgInput = z.object({ orgId: ZOrgId });
export const ZRenameOrgInput = z.object({ orgId: ZOrgId, name: ZOrgName });
export const ZDeleteOrgInput = z.object({ orgId: ZOrgId });

/** One of the caller's organizations, with the caller's role in it. */
export const ZOrgSummary = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  status: ZOrgStatus,
  role: ZMemberRole,
});
export type TOrgSummary = z.infer<typeof ZOrgSummary>;

export const ZOrgDetails = ZOrgSummary.extend({
  /** Micro-dollars. */
  balanceMicros: z.bigint(),
  lowBalanceThresholdMicros: z.bigint().nullable(),
  createdAt: z.date(),
});
export type TOrgDetails = z.infer<typeof ZOrgDetails>;

export const ZDeleteOrgResult = z.object({ ok: z.literal(true) });

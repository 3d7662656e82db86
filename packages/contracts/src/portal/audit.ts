// Portal audit procedures: inputs and outputs.
import { z } from "zod";

/** AuditLog ids are bigints; the cursor is the id of the last item of the previous page. */
export const ZAuditCursor = z.bigint().positive();

export const ZListAuditInput = z.object({
  orgId: z.uuid(),
  cursor: ZAuditCursor.nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const ZAuditItem = z.object({
  id: z.bigint(),
  action: z.string(),
  /** "user", "operator" (CLI) or "service" (internal caller). */
  actorType: z.string(),
  /** The acting user; null for operators and services, or when the account is gone. */
  actor: z.object({ id: z.uuid(), email: z.string() }).nullable(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  metadata: z.json().nullable(),
  createdAt: z.date(),
});
export type TAuditItem = z.infer<typeof ZAuditItem>;

export const ZAuditPage = z.object({
  items: z.array(ZAuditItem),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: ZAuditCursor.nullable(),
});
export type TAuditPage = z.infer<typeof ZAuditPage>;

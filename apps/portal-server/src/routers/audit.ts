import { ZAuditPage, ZListAuditInput } from "@gw/contracts";
import { listAudit } from "../services/audit.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

export const auditRouter = router({
  /** The organization's audit log, newest first; pass nextCursor back for older rows. */
  list: orgProcedure("audit:read")
    .input(ZListAuditInput)
    .output(ZAuditPage)
    .query(({ ctx, input }) => listAudit(ctx.services, ctx.org.id, input)),
});

// An organization's audit log, newest first, in pages. Ordered by (created_at desc, id desc):
// the (org_id, created_at desc) index serves the order, and the id breaks ties between rows of
// the same millisecond, so paging neither repeats nor skips a row. The cursor is the id of the
// last row of the previous page; the next page starts strictly after that row's place.
import type { TAuditItem, TAuditPage } from "@gw/contracts";
import type { Prisma } from "@gw/db";
import { PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

export async function listAudit(
  services: PortalServices,
  orgId: string,
  input: { cursor?: bigint | null | undefined; limit: number },
): Promise<TAuditPage> {
  const prisma = services.db.prisma;
  let where: Prisma.AuditLogWhereInput = { orgId };
  if (input.cursor) {
    const after = await prisma.auditLog.findFirst({
      where: { id: input.cursor, orgId },
      select: { id: true, createdAt: true },
    });
    if (!after) throw new PortalError("invalid", "cursor: not a row of this organization's audit log.");
    where = {
      orgId,
      OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
    };
  }
  const rows = await prisma.auditLog.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: {
      id: true,
      action: true,
      actorType: true,
      actorUserId: true,
      targetType: true,
      targetId: true,
      metadata: true,
      createdAt: true,
    },
  });
  const page = rows.slice(0, input.limit);
  const actorIds = [...new Set(page.flatMap((row) => (row.actorUserId ? [row.actorUserId] : [])))];
  const actors = new Map(
    (await prisma.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, email: true } })).map(
      (user) => [user.id, user],
    ),
  );
  return {
    items: page.map(({ actorUserId, metadata, ...row }) => ({
      ...row,
      // Prisma's JSON type allows undefined in objects, which JSON read from the database never has.
      metadata: metadata as TAuditItem["metadata"],
      actor: (actorUserId && actors.get(actorUserId)) || null,
    })),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

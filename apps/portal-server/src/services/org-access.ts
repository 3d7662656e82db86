import type { PrismaClient } from "@gw/db";

/** The caller's membership in an organization, with the organization; null when not a member. */
export function orgMembership(prisma: PrismaClient, userId: string, orgId: string) {
  return prisma.membership.findUnique({
    where: { orgId_userId: { orgId, userId } },
    select: { role: true, org: { select: { id: true, slug: true, name: true, status: true } } },
  });
}

export type OrgOfCaller = NonNullable<Awaited<ReturnType<typeof orgMembership>>>["org"];

import type { Prisma, PrismaClient } from "./generated/prisma/client.ts";

export const defaultProjectSlug = "default";

/** Creates an organization with its default project, in one transaction. */
export async function createOrganization(
  prisma: PrismaClient,
  input: { slug: string; name?: string | undefined; ownerUserId?: string | undefined },
) {
  return prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const org = await tx.organization.create({
      data: { slug: input.slug, name: input.name ?? input.slug },
    });
    const project = await tx.project.create({
      data: { orgId: org.id, slug: defaultProjectSlug, name: "Default project" },
    });
    if (input.ownerUserId) {
      await tx.membership.create({
        data: { orgId: org.id, userId: input.ownerUserId, role: "owner" },
      });
    }
    return { org, project };
  });
}

import type { Prisma, PrismaClient } from "./generated/prisma/client.ts";

export const defaultProjectSlug = "default";

interface CreateOrganizationInput {
  slug: string;
  name?: string | undefined;
  ownerUserId?: string | undefined;
}

/** Creates an organization with its default project, in one transaction. */
export async function createOrganization(prisma: PrismaClient, input: CreateOrganizationInput) {
  return prisma.$transaction((tx: Prisma.TransactionClient) => createOrganizationInTransaction(tx, input));
}

/** The same, inside the caller's transaction (so it can write more with it, e.g. an audit row). */
export async function createOrganizationInTransaction(
  tx: Prisma.TransactionClient,
  input: CreateOrganizationInput,
) {
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
}

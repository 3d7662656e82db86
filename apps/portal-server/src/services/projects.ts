// Projects of an organization. Archiving keeps the project and its history; it is refused for
// the organization's last active project, and while the project has API keys that still work:
// an archived project never serves requests (the inference service already refuses to mint keys
// in one), and unarchiving it does not bring any key back.
import type { TProject } from "@gw/contracts";
import { isUniqueViolation } from "@gw/db";
import { notFound, PortalError } from "./errors.ts";
import {
  auditChange,
  inTransaction,
  liveKeysWhere,
  lockOrg,
  type OrgActor,
  plural,
  type Tx,
} from "./orgs-common.ts";
import type { PortalServices } from "./portal-services.ts";

const projectSelect = { id: true, slug: true, name: true, archivedAt: true, createdAt: true } as const;

export async function listProjects(
  services: PortalServices,
  orgId: string,
  includeArchived: boolean,
): Promise<TProject[]> {
  return services.db.prisma.project.findMany({
    where: { orgId, ...(includeArchived ? {} : { archivedAt: null }) },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: projectSelect,
  });
}

export async function createProject(
  services: PortalServices,
  actor: OrgActor,
  input: { slug: string; name: string },
): Promise<TProject> {
  try {
    return await inTransaction(services, async (tx) => {
      const project = await tx.project.create({
        data: { orgId: actor.orgId, slug: input.slug, name: input.name },
        select: projectSelect,
      });
      await auditChange(tx, actor, {
        action: "project.create",
        targetType: "project",
        targetId: project.id,
        metadata: { slug: project.slug, name: project.name },
      });
      return project;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new PortalError(
        "conflict",
        `This organization already has a project with the slug "${input.slug}".`,
      );
    }
    throw error;
  }
}

async function findProject(tx: Tx, orgId: string, projectId: string) {
  const project = await tx.project.findFirst({ where: { id: projectId, orgId }, select: projectSelect });
  if (!project) throw notFound("Project");
  return project;
}

export async function renameProject(
  services: PortalServices,
  actor: OrgActor,
  input: { projectId: string; name: string },
): Promise<TProject> {
  return inTransaction(services, async (tx) => {
    const before = await findProject(tx, actor.orgId, input.projectId);
    if (before.name === input.name) return before;
    const project = await tx.project.update({
      where: { id: before.id },
      data: { name: input.name },
      select: projectSelect,
    });
    await auditChange(tx, actor, {
      action: "project.rename",
      targetType: "project",
      targetId: project.id,
      metadata: { slug: project.slug, from: before.name, to: input.name },
    });
    return project;
  });
}

async function setArchivedAt(tx: Tx, actor: OrgActor, project: TProject, archivedAt: Date | null) {
  const updated = await tx.project.update({
    where: { id: project.id },
    data: { archivedAt },
    select: projectSelect,
  });
  await auditChange(tx, actor, {
    action: archivedAt ? "project.archive" : "project.unarchive",
    targetType: "project",
    targetId: project.id,
    metadata: { slug: project.slug, name: project.name },
  });
  return updated;
}

/** Archives the project; archiving an archived project changes nothing. */
export async function archiveProject(
  services: PortalServices,
  actor: OrgActor,
  projectId: string,
): Promise<TProject> {
  return inTransaction(services, async (tx) => {
    await lockOrg(tx, actor.orgId);
    const project = await findProject(tx, actor.orgId, projectId);
    if (project.archivedAt) return project;
    const active = await tx.project.count({ where: { orgId: actor.orgId, archivedAt: null } });
    if (active <= 1) {
      throw new PortalError(
        "precondition_failed",
        "This is the organization's last active project; create another one before archiving it.",
      );
    }
    const now = new Date();
    const liveKeys = await tx.apiKey.count({ where: { projectId: project.id, ...liveKeysWhere(now) } });
    if (liveKeys > 0) {
      throw new PortalError(
        "precondition_failed",
        `This project has ${plural(liveKeys, "active API key")}; revoke them before archiving it.`,
      );
    }
    return setArchivedAt(tx, actor, project, now);
  });
}

/** Makes an archived project active again; unarchiving an active project changes nothing. */
export async function unarchiveProject(
  services: PortalServices,
  actor: OrgActor,
  projectId: string,
): Promise<TProject> {
  return inTransaction(services, async (tx) => {
    const project = await findProject(tx, actor.orgId, projectId);
    if (!project.archivedAt) return project;
    return setArchivedAt(tx, actor, project, null);
  });
}

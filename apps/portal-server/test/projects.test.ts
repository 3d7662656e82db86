// Projects: list, create, rename, archive and unarchive, each change audited; archiving keeps
// at least one active project per organization and never leaves a working key in an archived one.
import { createApiKey } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p?.close());

let slugs = 0;
async function newOrg() {
  const owner = await p.signedIn("owner");
  const org = await owner.trpc.orgs.create.mutate({
    slug: `projects-${++slugs}-${Date.now().toString(36)}`,
    name: "P",
  });
  const [defaultProject] = await owner.trpc.projects.list.query({ orgId: org.id });
  return { owner, orgId: org.id, defaultProject: defaultProject! };
}

const audit = (orgId: string, action: string) =>
  p.db.prisma.auditLog.findMany({ where: { orgId, action }, orderBy: { id: "asc" } });

describe("projects", () => {
  it("lists the default project and creates more, slug unique per organization", async () => {
    const { owner, orgId, defaultProject } = await newOrg();
    expect(defaultProject).toMatchObject({ slug: "default", name: "Default project", archivedAt: null });
    expect(defaultProject.createdAt).toBeInstanceOf(Date);

    const created = await owner.trpc.projects.create.mutate({ orgId, slug: "backend", name: " Backend " });
    expect(created).toMatchObject({ slug: "backend", name: "Backend", archivedAt: null });
    expect(Object.keys(created).sort()).toEqual(["archivedAt", "createdAt", "id", "name", "slug"]);
    expect((await owner.trpc.projects.list.query({ orgId })).map((x) => x.slug)).toEqual([
      "default",
      "backend",
    ]);
    const [row] = await audit(orgId, "project.create");
    expect(row).toMatchObject({
      actorUserId: owner.userId,
      targetType: "project",
      targetId: created.id,
      metadata: { slug: "backend", name: "Backend" },
    });

    const taken = await rejection(
      owner.trpc.projects.create.mutate({ orgId, slug: "backend", name: "Again" }),
    );
    expect(taken.data?.code).toBe("CONFLICT");
    expect(taken.message).toBe('This organization already has a project with the slug "backend".');
    const bad = await rejection(owner.trpc.projects.create.mutate({ orgId, slug: "-x", name: "Bad" }));
    expect(bad.data?.code).toBe("BAD_REQUEST");
    expect(await p.db.prisma.project.count({ where: { orgId } })).toBe(2);
    expect(await audit(orgId, "project.create")).toHaveLength(1);

    // Another organization may use the same slug.
    const other = await newOrg();
    await other.owner.trpc.projects.create.mutate({ orgId: other.orgId, slug: "backend", name: "Theirs" });
  });

  it("renames a project of the organization only", async () => {
    const { owner, orgId, defaultProject } = await newOrg();
    const renamed = await owner.trpc.projects.rename.mutate({
      orgId,
      projectId: defaultProject.id,
      name: "Main",
    });
    expect(renamed).toMatchObject({ id: defaultProject.id, slug: "default", name: "Main" });
    const [row] = await audit(orgId, "project.rename");
    expect(row).toMatchObject({
      targetId: defaultProject.id,
      metadata: { slug: "default", from: "Default project", to: "Main" },
    });
    // The same name again changes nothing.
    await owner.trpc.projects.rename.mutate({ orgId, projectId: defaultProject.id, name: "Main" });
    expect(await audit(orgId, "project.rename")).toHaveLength(1);

    const other = await newOrg();
    const foreign = await rejection(
      other.owner.trpc.projects.rename.mutate({
        orgId: other.orgId,
        projectId: defaultProject.id,
        name: "Stolen",
      }),
    );
    expect(foreign.data?.code).toBe("NOT_FOUND");
    expect(foreign.message).toBe("Project not found.");
    expect((await owner.trpc.projects.list.query({ orgId }))[0]!.name).toBe("Main");
  });

  it("archives and unarchives, never the last active project nor one with working keys", async () => {
    const { owner, orgId, defaultProject } = await newOrg();
    const last = await rejection(owner.trpc.projects.archive.mutate({ orgId, projectId: defaultProject.id }));
    expect(last.data?.code).toBe("PRECONDITION_FAILED");
    expect(last.message).toBe(
      "This is the organization's last active project; create another one before archiving it.",
    );

    const side = await owner.trpc.projects.create.mutate({ orgId, slug: "side", name: "Side" });
    const { record: key } = await createApiKey(p.db.prisma, { orgId, projectId: side.id, name: "k" });
    const withKey = await rejection(owner.trpc.projects.archive.mutate({ orgId, projectId: side.id }));
    expect(withKey.data?.code).toBe("PRECONDITION_FAILED");
    expect(withKey.message).toBe("This project has 1 active API key; revoke them before archiving it.");
    expect((await p.db.prisma.project.findUniqueOrThrow({ where: { id: side.id } })).archivedAt).toBeNull();

    await p.db.prisma.apiKey.update({
      where: { id: key.id },
      data: { status: "revoked", revokedAt: new Date() },
    });
    const archived = await owner.trpc.projects.archive.mutate({ orgId, projectId: side.id });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    expect((await owner.trpc.projects.list.query({ orgId })).map((x) => x.slug)).toEqual(["default"]);
    const all = await owner.trpc.projects.list.query({ orgId, includeArchived: true });
    expect(all.map((x) => [x.slug, x.archivedAt !== null])).toEqual([
      ["default", false],
      ["side", true],
    ]);
    // Archiving an archived project changes nothing; its slug stays taken.
    expect((await owner.trpc.projects.archive.mutate({ orgId, projectId: side.id })).archivedAt).toEqual(
      archived.archivedAt,
    );
    expect(
      (await rejection(owner.trpc.projects.create.mutate({ orgId, slug: "side", name: "x" }))).data?.code,
    ).toBe("CONFLICT");
    // Now the default project is the last active one.
    expect(
      (await rejection(owner.trpc.projects.archive.mutate({ orgId, projectId: defaultProject.id }))).data
        ?.code,
    ).toBe("PRECONDITION_FAILED");

    const restored = await owner.trpc.projects.unarchive.mutate({ orgId, projectId: side.id });
    expect(restored.archivedAt).toBeNull();
    await owner.trpc.projects.unarchive.mutate({ orgId, projectId: side.id });
    expect((await owner.trpc.projects.list.query({ orgId })).map((x) => x.slug)).toEqual(["default", "side"]);
    // The revoked key stays revoked.
    expect((await p.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).status).toBe("revoked");

    expect((await audit(orgId, "project.archive")).map((r) => r.targetId)).toEqual([side.id]);
    expect((await audit(orgId, "project.unarchive")).map((r) => r.targetId)).toEqual([side.id]);

    const other = await newOrg();
    const foreign = await rejection(
      other.owner.trpc.projects.unarchive.mutate({ orgId: other.orgId, projectId: side.id }),
    );
    expect(foreign.data?.code).toBe("NOT_FOUND");
  });

  it("keeps one active project when the last two are archived at once", async () => {
    const { owner, orgId, defaultProject } = await newOrg();
    const second = await owner.trpc.projects.create.mutate({ orgId, slug: "second", name: "Second" });
    const results = await Promise.allSettled([
      owner.trpc.projects.archive.mutate({ orgId, projectId: defaultProject.id }),
      owner.trpc.projects.archive.mutate({ orgId, projectId: second.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await p.db.prisma.project.count({ where: { orgId, archivedAt: null } })).toBe(1);
  });
});

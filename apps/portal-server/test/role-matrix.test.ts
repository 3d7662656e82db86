// The role matrix, procedure by procedure: for each role (owner, admin, member, viewer) and each
// organization procedure of the orgs, members, projects and audit routers, the call is allowed
// or FORBIDDEN exactly as packages/contracts/src/portal/permissions.ts says; an allowed change
// writes its audit row, and a refused call changes nothing.
import type { TMemberRole } from "@gw/contracts";
import { createOrganization, newOneTimeToken } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/trpc/root.ts";
import type { ProcedureAccess } from "../src/trpc/trpc.ts";
import { startPlatform, type TestPlatform } from "./support/platform.ts";
import { describeRoleMatrix, type RoleCase } from "./support/role-matrix.ts";

type User = Awaited<ReturnType<TestPlatform["signedIn"]>>;

interface Fixture {
  orgId: string;
  /** A member whose role the call may change to viewer. */
  memberId: string;
  /** A viewer the call may remove. */
  viewerId: string;
  invitationId: string;
  /** An active project besides the default one. */
  projectId: string;
  archivedProjectId: string;
}

type Case = RoleCase<Fixture>;

/** Every organization procedure of these routers, with what it needs and what it writes. */
const cases: Record<string, Case> = {
  "orgs.get": { permission: "org:read", call: (c, f) => c.trpc.orgs.get.query({ orgId: f.orgId }) },
  "orgs.rename": {
    permission: "org:update",
    action: "org.rename",
    call: (c, f) => c.trpc.orgs.rename.mutate({ orgId: f.orgId, name: "Renamed" }),
  },
  "orgs.delete": {
    permission: "org:delete",
    action: "org.delete",
    call: (c, f) => c.trpc.orgs.delete.mutate({ orgId: f.orgId }),
  },
  "members.list": {
    permission: "members:read",
    call: (c, f) => c.trpc.members.list.query({ orgId: f.orgId }),
  },
  "members.invitations": {
    permission: "members:read",
    call: (c, f) => c.trpc.members.invitations.query({ orgId: f.orgId }),
  },
  "members.invite": {
    permission: "members:invite",
    action: "member.invite",
    call: (c, f) =>
      c.trpc.members.invite.mutate({ orgId: f.orgId, email: "newcomer@example.test", role: "member" }),
  },
  "members.revokeInvitation": {
    permission: "members:invite",
    action: "member.invitation_revoke",
    call: (c, f) => c.trpc.members.revokeInvitation.mutate({ orgId: f.orgId, invitationId: f.invitationId }),
  },
  "members.changeRole": {
    permission: "members:manage",
    action: "member.role_change",
    call: (c, f) => c.trpc.members.changeRole.mutate({ orgId: f.orgId, userId: f.memberId, role: "viewer" }),
  },
  "members.remove": {
    permission: "members:manage",
    action: "member.remove",
    call: (c, f) => c.trpc.members.remove.mutate({ orgId: f.orgId, userId: f.viewerId }),
  },
  "members.leave": {
    permission: "org:read",
    action: "member.leave",
    call: (c, f) => c.trpc.members.leave.mutate({ orgId: f.orgId }),
  },
  "projects.list": {
    permission: "projects:read",
    call: (c, f) => c.trpc.projects.list.query({ orgId: f.orgId, includeArchived: true }),
  },
  "projects.create": {
    permission: "projects:manage",
    action: "project.create",
    call: (c, f) => c.trpc.projects.create.mutate({ orgId: f.orgId, slug: "fresh", name: "Fresh" }),
  },
  "projects.rename": {
    permission: "projects:manage",
    action: "project.rename",
    call: (c, f) =>
      c.trpc.projects.rename.mutate({ orgId: f.orgId, projectId: f.projectId, name: "Renamed" }),
  },
  "projects.archive": {
    permission: "projects:manage",
    action: "project.archive",
    call: (c, f) => c.trpc.projects.archive.mutate({ orgId: f.orgId, projectId: f.projectId }),
  },
  "projects.unarchive": {
    permission: "projects:manage",
    action: "project.unarchive",
    call: (c, f) => c.trpc.projects.unarchive.mutate({ orgId: f.orgId, projectId: f.archivedProjectId }),
  },
  "audit.list": { permission: "audit:read", call: (c, f) => c.trpc.audit.list.query({ orgId: f.orgId }) },
};

let p: TestPlatform;
let caller: User;
let coOwner: User;
let member: User;
let viewer: User;
beforeAll(async () => {
  p = await startPlatform();
  caller = await p.signedIn("caller");
  coOwner = await p.signedIn("co-owner");
  member = await p.signedIn("member");
  viewer = await p.signedIn("viewer");
});
afterAll(() => p?.close());

let orgs = 0;
/** A new organization where the caller has `role`, with someone to act on for every procedure. */
async function fixture(role: TMemberRole): Promise<Fixture> {
  const prisma = p.db.prisma;
  const { org } = await createOrganization(prisma, { slug: `matrix-${++orgs}-${Date.now().toString(36)}` });
  await prisma.membership.createMany({
    data: [
      { orgId: org.id, userId: caller.userId, role },
      // A second owner, so an owner caller may leave.
      { orgId: org.id, userId: coOwner.userId, role: "owner" },
      { orgId: org.id, userId: member.userId, role: "member" },
      { orgId: org.id, userId: viewer.userId, role: "viewer" },
    ],
  });
  const invitation = await prisma.invitation.create({
    data: {
      orgId: org.id,
      email: "invited@example.test",
      role: "member",
      tokenHash: newOneTimeToken().hash,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const project = await prisma.project.create({ data: { orgId: org.id, slug: "second", name: "Second" } });
  const archived = await prisma.project.create({
    data: { orgId: org.id, slug: "archived", name: "Archived", archivedAt: new Date() },
  });
  return {
    orgId: org.id,
    memberId: member.userId,
    viewerId: viewer.userId,
    invitationId: invitation.id,
    projectId: project.id,
    archivedProjectId: archived.id,
  };
}

/** Everything of the organization a call could change, and the audit log as a whole. */
async function snapshot(orgId: string) {
  const prisma = p.db.prisma;
  const state = {
    org: await prisma.organization.findUnique({ where: { id: orgId } }),
    memberships: await prisma.membership.findMany({ where: { orgId }, orderBy: { userId: "asc" } }),
    invitations: await prisma.invitation.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    projects: await prisma.project.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    auditRows: await prisma.auditLog.count(),
  };
  return JSON.stringify(state, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

describe("role matrix", () => {
  it("covers every organization procedure of these routers, each with the permission it is meant to need", () => {
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { type: string; meta?: { access: ProcedureAccess } } }
    >;
    const ours = Object.entries(procedures).filter(([path]) => /^(orgs|members|projects|audit)\./.test(path));
    const orgScoped = ours.filter(([, proc]) => proc._def.meta?.access.kind === "org");
    expect(Object.fromEntries(orgScoped.map(([path, proc]) => [path, proc._def.meta?.access]))).toEqual(
      Object.fromEntries(
        Object.entries(cases).map(([path, c]) => [path, { kind: "org", permission: c.permission }]),
      ),
    );
    // The rest need only a signed-in user: creating an organization and accepting an invitation.
    expect(
      ours
        .filter(([, proc]) => proc._def.meta?.access.kind !== "org")
        .map(([path, proc]) => [path, proc._def.meta?.access]),
    ).toEqual([
      ["orgs.create", { kind: "user" }],
      ["orgs.list", { kind: "user" }],
      ["members.accept", { kind: "user" }],
    ]);
  });

  describeRoleMatrix({ cases, platform: () => p, caller: () => caller, fixture, snapshot });
});

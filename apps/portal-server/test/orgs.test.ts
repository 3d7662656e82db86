import { createApiKey, postLedgerEntry } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

let slugs = 0;
const newSlug = (base = "org") => `${base}-${++slugs}-${Date.now().toString(36)}`;

describe("orgs.create", () => {
  it("makes the caller the owner, with a default project and an audit row", async () => {
    const alice = await platform.signedIn("alice");
    const slug = newSlug("acme");
    const org = await alice.trpc.orgs.create.mutate({ slug, name: "  Acme Inc  " });
    expect(org).toMatchObject({ slug, name: "Acme Inc", status: "active", role: "owner", balanceMicros: 0n });
    expect(org.lowBalanceThresholdMicros).toBeNull();
    expect(org.createdAt).toBeInstanceOf(Date);

    const prisma = platform.db.prisma;
    const membership = await prisma.membership.findUniqueOrThrow({
      where: { orgId_userId: { orgId: org.id, userId: alice.userId } },
    });
    expect(membership.role).toBe("owner");
    const projects = await prisma.project.findMany({ where: { orgId: org.id } });
    expect(projects.map((p) => p.slug)).toEqual(["default"]);
    const audit = await prisma.auditLog.findMany({ where: { orgId: org.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "org.create",
      actorType: "user",
      actorUserId: alice.userId,
      targetType: "organization",
      targetId: org.id,
      metadata: { slug, name: "Acme Inc", defaultProjectId: projects[0]!.id },
    });
  });

  it("refuses a taken slug with CONFLICT and creates nothing", async () => {
    const alice = await platform.signedIn("alice");
    const bob = await platform.signedIn("bob");
    const slug = newSlug("taken");
    await alice.trpc.orgs.create.mutate({ slug, name: "First" });
    const prisma = platform.db.prisma;
    const before = {
      orgs: await prisma.organization.count(),
      projects: await prisma.project.count(),
      audit: await prisma.auditLog.count(),
    };
    const taken = await rejection(bob.trpc.orgs.create.mutate({ slug, name: "Second" }));
    expect(taken.data?.code).toBe("CONFLICT");
    expect(taken.message).toBe(`The slug "${slug}" is taken; choose another.`);
    expect(await bob.trpc.orgs.list.query()).toEqual([]);
    expect({
      orgs: await prisma.organization.count(),
      projects: await prisma.project.count(),
      audit: await prisma.auditLog.count(),
    }).toEqual(before);
  });

  it("refuses bad slugs and names, and callers who are not signed in", async () => {
    const alice = await platform.signedIn("alice");
    const bad = await rejection(alice.trpc.orgs.create.mutate({ slug: "Not A Slug", name: "x" }));
    expect(bad.data?.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/^slug: /);
    const blank = await rejection(alice.trpc.orgs.create.mutate({ slug: newSlug(), name: "   " }));
    expect(blank.data?.code).toBe("BAD_REQUEST");
    expect(blank.message).toBe("name: enter a name");
    const anonymous = await rejection(
      platform.client().trpc.orgs.create.mutate({ slug: newSlug(), name: "x" }),
    );
    expect(anonymous.data?.code).toBe("UNAUTHORIZED");
    expect(await alice.trpc.orgs.list.query()).toEqual([]);
  });
});

describe("orgs.list and orgs.get", () => {
  it("lists only the caller's organizations, each with the caller's role", async () => {
    const alice = await platform.signedIn("alice");
    const bob = await platform.signedIn("bob");
    const a1 = await alice.trpc.orgs.create.mutate({ slug: newSlug("a1"), name: "A1" });
    const a2 = await alice.trpc.orgs.create.mutate({ slug: newSlug("a2"), name: "A2" });
    await bob.trpc.orgs.create.mutate({ slug: newSlug("b1"), name: "B1" });
    await platform.db.prisma.membership.create({
      data: { orgId: a2.id, userId: bob.userId, role: "viewer" },
    });

    expect(await alice.trpc.orgs.list.query()).toEqual([
      { id: a1.id, slug: a1.slug, name: "A1", status: "active", role: "owner" },
      { id: a2.id, slug: a2.slug, name: "A2", status: "active", role: "owner" },
    ]);
    const bobs = await bob.trpc.orgs.list.query();
    expect(bobs.map((o) => [o.name, o.role])).toEqual([
      ["B1", "owner"],
      ["A2", "viewer"],
    ]);
    expect((await rejection(platform.client().trpc.orgs.list.query())).data?.code).toBe("UNAUTHORIZED");
  });

  it("reads an organization's details; for anyone else it does not exist", async () => {
    const alice = await platform.signedIn("alice");
    const org = await alice.trpc.orgs.create.mutate({ slug: newSlug(), name: "Details" });
    await postLedgerEntry(platform.db.prisma, {
      orgId: org.id,
      amountMicros: 12_500_000n,
      kind: "grant",
      idempotencyKey: `grant-${org.id}`,
    });
    await platform.db.prisma.organization.update({
      where: { id: org.id },
      data: { lowBalanceThresholdMicros: 1_000_000n },
    });
    expect(await alice.trpc.orgs.get.query({ orgId: org.id })).toEqual({
      id: org.id,
      slug: org.slug,
      name: "Details",
      status: "active",
      role: "owner",
      balanceMicros: 12_500_000n,
      lowBalanceThresholdMicros: 1_000_000n,
      createdAt: org.createdAt,
    });
    const mallory = await platform.signedIn("mallory");
    const hidden = await rejection(mallory.trpc.orgs.get.query({ orgId: org.id }));
    expect(hidden.data?.code).toBe("NOT_FOUND");
    const missing = await rejection(
      alice.trpc.orgs.get.query({ orgId: "00000000-0000-4000-8000-000000000000" }),
    );
    expect(missing.data?.code).toBe("NOT_FOUND");
  });
});

describe("orgs.rename", () => {
  it("renames, with the old and new name in the audit row", async () => {
    const alice = await platform.signedIn("alice");
    const org = await alice.trpc.orgs.create.mutate({ slug: newSlug(), name: "Old name" });
    const renamed = await alice.trpc.orgs.rename.mutate({ orgId: org.id, name: "New name" });
    expect(renamed).toMatchObject({ id: org.id, slug: org.slug, name: "New name", role: "owner" });
    expect((await alice.trpc.orgs.get.query({ orgId: org.id })).name).toBe("New name");
    const row = await platform.db.prisma.auditLog.findFirstOrThrow({
      where: { orgId: org.id, action: "org.rename" },
    });
    expect(row).toMatchObject({
      actorUserId: alice.userId,
      targetId: org.id,
      metadata: { from: "Old name", to: "New name" },
    });
    const empty = await rejection(alice.trpc.orgs.rename.mutate({ orgId: org.id, name: "" }));
    expect(empty.data?.code).toBe("BAD_REQUEST");
  });

  it("refuses changes in a suspended organization, which can still be read", async () => {
    const alice = await platform.signedIn("alice");
    const org = await alice.trpc.orgs.create.mutate({ slug: newSlug(), name: "Suspended" });
    await platform.db.prisma.organization.update({ where: { id: org.id }, data: { status: "suspended" } });
    const refused = await rejection(alice.trpc.orgs.rename.mutate({ orgId: org.id, name: "Other" }));
    expect(refused.data?.code).toBe("FORBIDDEN");
    expect((await alice.trpc.orgs.get.query({ orgId: org.id })).name).toBe("Suspended");
  });
});

describe("orgs.delete", () => {
  it("is refused while the organization holds credit or has working keys, then deletes everything it owns", async () => {
    const alice = await platform.signedIn("alice");
    const org = await alice.trpc.orgs.create.mutate({ slug: newSlug("doomed"), name: "Doomed" });
    const prisma = platform.db.prisma;
    const project = await prisma.project.findFirstOrThrow({ where: { orgId: org.id } });
    await postLedgerEntry(prisma, {
      orgId: org.id,
      amountMicros: 5_000_000n,
      kind: "grant",
      idempotencyKey: `g-${org.id}`,
    });
    const { record: key } = await createApiKey(prisma, {
      orgId: org.id,
      projectId: project.id,
      name: "prod",
    });
    // A key that expired and one already revoked do not hold the deletion up.
    await createApiKey(prisma, {
      orgId: org.id,
      projectId: project.id,
      name: "old",
      expiresAt: new Date(Date.now() - 1000),
    });
    const { record: revoked } = await createApiKey(prisma, {
      orgId: org.id,
      projectId: project.id,
      name: "gone",
    });
    await prisma.apiKey.update({
      where: { id: revoked.id },
      data: { status: "revoked", revokedAt: new Date() },
    });
    // Usage history of the org, which goes with it.
    const usage = await prisma.usageRecord.create({
      data: {
        requestId: `req-${org.id}`,
        orgId: org.id,
        projectId: project.id,
        apiKeyId: key.id,
        endpoint: "/v1/chat/completions",
        requestedModel: "demo-chat",
        outcome: "success",
        httpStatus: 200,
      },
    });
    await prisma.usageDaily.create({
      data: {
        day: new Date("2026-01-01"),
        orgId: org.id,
        projectId: project.id,
        apiKeyId: key.id,
        model: "demo-chat",
      },
    });

    const withCredit = await rejection(alice.trpc.orgs.delete.mutate({ orgId: org.id }));
    expect(withCredit.data?.code).toBe("PRECONDITION_FAILED");
    expect(withCredit.message).toMatch(/still holds \$5\.00 of credit/);

    await postLedgerEntry(prisma, {
      orgId: org.id,
      amountMicros: -5_000_000n,
      kind: "adjustment",
      idempotencyKey: `a-${org.id}`,
    });
    const withKeys = await rejection(alice.trpc.orgs.delete.mutate({ orgId: org.id }));
    expect(withKeys.data?.code).toBe("PRECONDITION_FAILED");
    expect(withKeys.message).toBe(
      "This organization has 1 active API key; revoke them first, then delete it.",
    );
    // A key scheduled for revocation still works until then: it counts.
    await prisma.apiKey.update({
      where: { id: key.id },
      data: { revokeAt: new Date(Date.now() + 3_600_000) },
    });
    expect((await rejection(alice.trpc.orgs.delete.mutate({ orgId: org.id }))).data?.code).toBe(
      "PRECONDITION_FAILED",
    );
    expect(await prisma.organization.count({ where: { id: org.id } })).toBe(1);
    expect(await prisma.auditLog.count({ where: { action: "org.delete", targetId: org.id } })).toBe(0);

    await prisma.apiKey.update({ where: { id: key.id }, data: { status: "revoked", revokedAt: new Date() } });
    expect(await alice.trpc.orgs.delete.mutate({ orgId: org.id })).toEqual({ ok: true });

    expect(await prisma.organization.count({ where: { id: org.id } })).toBe(0);
    for (const count of [
      prisma.project.count({ where: { orgId: org.id } }),
      prisma.apiKey.count({ where: { orgId: org.id } }),
      prisma.membership.count({ where: { orgId: org.id } }),
      prisma.creditLedgerEntry.count({ where: { orgId: org.id } }),
      prisma.usageRecord.count({ where: { id: usage.id } }),
      prisma.usageDaily.count({ where: { orgId: org.id } }),
    ]) {
      expect(await count).toBe(0);
    }
    expect(await alice.trpc.orgs.list.query()).toEqual([]);
    // The audit trail stays, detached from the deleted organization.
    const trail = await prisma.auditLog.findMany({ where: { targetId: org.id }, orderBy: { id: "asc" } });
    expect(trail.map((row) => [row.action, row.orgId])).toEqual([
      ["org.create", null],
      ["org.delete", null],
    ]);
    expect(trail[1]).toMatchObject({
      actorUserId: alice.userId,
      metadata: { slug: org.slug, name: "Doomed" },
    });
    expect((await rejection(alice.trpc.orgs.get.query({ orgId: org.id }))).data?.code).toBe("NOT_FOUND");
  });
});

// The audit log: newest first, cursor pages with no duplicates or gaps (also across rows of the
// same millisecond), the acting user's email, and only the organization's own rows.
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
    slug: `audit-${++slugs}-${Date.now().toString(36)}`,
    name: "A",
  });
  return { owner, orgId: org.id };
}

describe("audit.list", () => {
  it("pages through more rows than a page holds, newest first, with no duplicates or gaps", async () => {
    const { owner, orgId } = await newOrg();
    const other = await newOrg();
    // 130 rows in groups of 7 sharing one timestamp; later ids have older timestamps (so id order
    // is not time order), and every tenth row belongs to another organization.
    const base = Date.now() - 3_600_000;
    for (let i = 0; i < 130; i++) {
      await p.db.prisma.auditLog.create({
        data: {
          orgId: i % 10 === 9 ? other.orgId : orgId,
          actorType: "operator",
          action: "test.row",
          targetType: "test",
          targetId: String(i),
          createdAt: new Date(base + Math.floor((130 - i) / 7) * 1000),
        },
      });
    }
    const expected = (
      await p.db.prisma.auditLog.findMany({
        where: { orgId },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        select: { id: true },
      })
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(100);

    const seen: bigint[] = [];
    let cursor: bigint | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof owner.trpc.audit.list.query>> = await owner.trpc.audit.list.query(
        {
          orgId,
          limit: 20,
          cursor,
        },
      );
      pages += 1;
      expect(page.items.length).toBeLessThanOrEqual(20);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      if (cursor !== null) expect(cursor).toBe(page.items.at(-1)?.id);
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(expected.length / 20));

    // The default page is 50 rows.
    const first = await owner.trpc.audit.list.query({ orgId });
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).toBe(expected[49]);
  });

  it("shows who acted, the metadata, and nothing of other organizations", async () => {
    const { owner, orgId } = await newOrg();
    await owner.trpc.orgs.rename.mutate({ orgId, name: "Renamed" });
    await p.db.prisma.auditLog.create({
      data: {
        orgId,
        actorType: "operator",
        action: "billing.grant",
        targetType: "organization",
        targetId: orgId,
      },
    });
    const { items, nextCursor } = await owner.trpc.audit.list.query({ orgId });
    expect(nextCursor).toBeNull();
    expect(items.map((i) => i.action)).toEqual(["billing.grant", "org.rename", "org.create"]);
    expect(items[0]).toMatchObject({ actorType: "operator", actor: null, metadata: null });
    expect(items[1]).toMatchObject({
      actorType: "user",
      actor: { id: owner.userId, email: owner.email },
      targetType: "organization",
      targetId: orgId,
      metadata: { from: "A", to: "Renamed" },
    });
    expect(typeof items[1]!.id).toBe("bigint");
    expect(items[1]!.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(items[1]!).sort()).toEqual(
      ["action", "actor", "actorType", "createdAt", "id", "metadata", "targetId", "targetType"].sort(),
    );

    // A cursor from another organization's log is refused, not followed.
    const other = await newOrg();
    const theirs = await other.owner.trpc.audit.list.query({ orgId: other.orgId });
    const foreign = await rejection(owner.trpc.audit.list.query({ orgId, cursor: theirs.items[0]!.id }));
    expect(foreign.data?.code).toBe("BAD_REQUEST");
    expect((await rejection(owner.trpc.audit.list.query({ orgId, limit: 1000 }))).data?.code).toBe(
      "BAD_REQUEST",
    );
    expect((await rejection(other.owner.trpc.audit.list.query({ orgId }))).data?.code).toBe("NOT_FOUND");
  });

  it("is for owners and admins only", async () => {
    const { owner, orgId } = await newOrg();
    for (const role of ["admin", "member", "viewer"] as const) {
      const user = await p.signedIn(role);
      await p.db.prisma.membership.create({ data: { orgId, userId: user.userId, role } });
      const call = user.trpc.audit.list.query({ orgId });
      if (role === "admin") expect((await call).items.length).toBeGreaterThan(0);
      else expect((await rejection(call)).data?.code).toBe("FORBIDDEN");
    }
    expect((await owner.trpc.audit.list.query({ orgId })).items.length).toBeGreaterThan(0);
  });
});

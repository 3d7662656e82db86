// models.list: the gateway's catalog for members of an organization, a plain 503 without it.
import { randomBytes } from "node:crypto";
import { createOrganization } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;
let orgId: string;

beforeAll(async () => {
  p = await startPlatform();
  alice = await p.signedIn("alice");
  ({
    org: { id: orgId },
  } = await createOrganization(p.db.prisma, {
    slug: `mod-${randomBytes(4).toString("hex")}`,
    ownerUserId: alice.userId,
  }));
});
afterAll(() => p?.close());

describe("models.list", () => {
  it("lists the catalog with targets, availability and prices per million tokens", async () => {
    const models = await alice.trpc.models.list.query({ orgId });
    expect(models).toContainEqual({
      id: "demo/demo-chat",
      kind: "model",
      targets: [{ provider: "demo", model: "demo-chat" }],
      available: true,
      price: { input: 500_000n, output: 1_500_000n, cachedInput: null, cacheWrite: null },
      free: false,
    });
    expect(models.map((m) => m.id)).toContain("demo/demo-embed");
  });

  it("answers only members, and SERVICE_UNAVAILABLE in plain words when the gateway is down", async () => {
    const stranger = await p.signedIn("stranger");
    expect((await rejection(stranger.trpc.models.list.query({ orgId }))).data?.code).toBe("NOT_FOUND");

    const down = await startPlatform({}, { db: p.db });
    await down.inference.close();
    try {
      const viewer = await down.signedIn("viewer");
      await p.db.prisma.membership.create({ data: { orgId, userId: viewer.userId, role: "viewer" } });
      const error = await rejection(viewer.trpc.models.list.query({ orgId }));
      expect(error.data?.code).toBe("SERVICE_UNAVAILABLE");
      expect(error.message).toBe("The model list is not available right now; try again in a moment.");
    } finally {
      await down.close();
    }
  });
});

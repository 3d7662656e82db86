// API keys end to end: the portal's procedures, the real inference service behind them, and /v1.
import { createApiKey, createOrganization } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundedOrg, rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  p = await startPlatform();
  alice = await p.signedIn("alice");
  ({ orgId, projectId } = await fundedOrg(p, alice.userId));
});
afterAll(() => p?.close());

async function addMember(role: "admin" | "member" | "viewer") {
  const user = await p.signedIn(role);
  await p.db.prisma.membership.create({ data: { orgId, userId: user.userId, role } });
  return user;
}

const json = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

function chat(key: string, model = "demo-chat") {
  return fetch(`${p.inferenceUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 5 }),
  });
}

async function listed(keyId: string) {
  const keys = await alice.trpc.keys.list.query({ orgId });
  const key = keys.find((k) => k.id === keyId);
  if (!key) throw new Error(`key ${keyId} is not listed`);
  return key;
}

describe("keys", () => {
  it("creates a key that works on /v1, shows it once, and never lists, logs or audits it", async () => {
    const created = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Backend" });
    expect(created.key).toMatch(/^sk-[0-9A-Za-z]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const response = await chat(created.key);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe("chat.completion");

    const keys = await alice.trpc.keys.list.query({ orgId });
    const key = keys.find((k) => k.id === created.id);
    expect(key).toMatchObject({
      name: "Backend",
      prefix: created.prefix,
      status: "active",
      projectId,
      projectName: "Default project",
      isTest: false,
      createdBy: { id: alice.userId, email: alice.email },
      spendLimitMicros: null,
      rpmLimit: null,
      tpmLimit: null,
      allowedModels: [],
      revokeAt: null,
      replacedById: null,
    });
    const stored = await p.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    const everything = json(keys);
    expect(everything).not.toContain(created.key);
    expect(everything).not.toContain(stored.keyHash);
    expect(Object.keys(key ?? {})).not.toContain("keyHash");

    const audit = await p.db.prisma.auditLog.findMany({ where: { orgId, targetId: created.id } });
    expect(audit.map((a) => a.action)).toEqual(["key.create"]);
    expect(audit[0]?.actorUserId).toBe(alice.userId);
    expect(json(audit)).not.toContain(created.key);
    expect(p.logs.join("\n")).not.toContain(created.key);
  });

  it("creates test keys, round-trips limits and enforces changes on /v1 at once", async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    const created = await alice.trpc.keys.create.mutate({
      orgId,
      projectId,
      name: "Limited",
      isTest: true,
      rpmLimit: 60,
      tpmLimit: 10_000,
      spendLimitMicros: 2_500_000n,
      expiresAt,
      allowedModels: ["demo-chat", "demo-chat", "demo-embed"],
    });
    expect(created.key.startsWith("sk-test-")).toBe(true);
    expect(await listed(created.id)).toMatchObject({
      isTest: true,
      rpmLimit: 60,
      tpmLimit: 10_000,
      spendLimitMicros: 2_500_000n,
      expiresAt,
      allowedModels: ["demo-chat", "demo-embed"],
    });
    expect((await chat(created.key)).status).toBe(200);

    const updated = await alice.trpc.keys.update.mutate({
      orgId,
      keyId: created.id,
      name: "Embeddings only",
      rpmLimit: null,
      spendLimitMicros: 1n,
      expiresAt: null,
      allowedModels: ["demo-embed"],
    });
    expect(updated).toMatchObject({
      id: created.id,
      name: "Embeddings only",
      rpmLimit: null,
      tpmLimit: 10_000,
      spendLimitMicros: 1n,
      expiresAt: null,
      allowedModels: ["demo-embed"],
    });
    // The usage writer may settle the first request in between: its spend and last use move.
    const settled = { lastUsedAt: null, spentMicros: 0n };
    expect({ ...(await listed(created.id)), ...settled }).toEqual({ ...updated, ...settled });
    // The gateway's cached copy was dropped: the new model list applies to the next request.
    const refused = await chat(created.key);
    expect(refused.status).toBe(403);

    const audit = await p.db.prisma.auditLog.findMany({
      where: { orgId, targetId: created.id, action: "key.update" },
    });
    expect(audit).toHaveLength(1);
  });

  it("refuses bad input with a clear error and creates nothing", async () => {
    const before = await p.db.prisma.apiKey.count({ where: { orgId } });
    const negative = await rejection(
      alice.trpc.keys.create.mutate({ orgId, projectId, name: "x", spendLimitMicros: -5n }),
    );
    expect(negative.data?.code).toBe("BAD_REQUEST");
    expect(negative.message).toMatch(/^spendLimitMicros: /);
    const blank = await rejection(alice.trpc.keys.create.mutate({ orgId, projectId, name: "   " }));
    expect(blank.data?.code).toBe("BAD_REQUEST");
    expect(blank.message).toBe("name: enter a name");
    const past = await rejection(
      alice.trpc.keys.create.mutate({ orgId, projectId, name: "x", expiresAt: new Date(Date.now() - 1000) }),
    );
    expect(past.data?.code).toBe("BAD_REQUEST");
    expect(past.message).toMatch(/expiry must be in the future/);
    const rpm = await rejection(alice.trpc.keys.create.mutate({ orgId, projectId, name: "x", rpmLimit: 0 }));
    expect(rpm.data?.code).toBe("BAD_REQUEST");
    expect(await p.db.prisma.apiKey.count({ where: { orgId } })).toBe(before);

    const { key } = await alice.trpc.keys.create
      .mutate({ orgId, projectId, name: "Unchanged" })
      .then(async (k) => ({ key: await listed(k.id) }));
    const empty = await rejection(alice.trpc.keys.update.mutate({ orgId, keyId: key.id }));
    expect(empty.data?.code).toBe("BAD_REQUEST");
    expect(await listed(key.id)).toEqual(key);
  });

  it("revokes: /v1 answers 401 at once, the list says revoked, a second revoke changes nothing", async () => {
    const created = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "To revoke" });
    expect((await chat(created.key)).status).toBe(200);
    const revoked = await alice.trpc.keys.revoke.mutate({ orgId, keyId: created.id });
    expect(revoked).toMatchObject({ id: created.id, status: "revoked" });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    const refused = await chat(created.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
    expect((await listed(created.id)).status).toBe("revoked");

    const again = await alice.trpc.keys.revoke.mutate({ orgId, keyId: created.id });
    expect(again.revokedAt).toEqual(revoked.revokedAt);
    const audit = await p.db.prisma.auditLog.findMany({
      where: { orgId, targetId: created.id, action: "key.revoke" },
    });
    expect(audit).toHaveLength(1);
    const change = await rejection(alice.trpc.keys.update.mutate({ orgId, keyId: created.id, name: "Back" }));
    expect(change.data?.code).toBe("PRECONDITION_FAILED");
    const rotate = await rejection(
      alice.trpc.keys.rotate.mutate({ orgId, keyId: created.id, gracePeriodSeconds: 0 }),
    );
    expect(rotate.data?.code).toBe("PRECONDITION_FAILED");
  });

  it("rotates with a grace period: both keys work, then only the new one", async () => {
    const old = await alice.trpc.keys.create.mutate({
      orgId,
      projectId,
      name: "Worker",
      rpmLimit: 100,
      tpmLimit: 50_000,
      spendLimitMicros: 3_000_000n,
      allowedModels: ["demo-chat"],
    });
    const before = Date.now();
    const rotated = await alice.trpc.keys.rotate.mutate({ orgId, keyId: old.id, gracePeriodSeconds: 2 });
    expect(rotated.id).not.toBe(old.id);
    expect(rotated.key).not.toBe(old.key);
    expect(rotated.oldKeyRevokeAt.getTime()).toBeGreaterThanOrEqual(before + 2000);
    expect(rotated.oldKeyRevokeAt.getTime()).toBeLessThanOrEqual(Date.now() + 2000);

    expect((await chat(old.key)).status).toBe(200);
    expect((await chat(rotated.key)).status).toBe(200);
    const oldListed = await listed(old.id);
    expect(oldListed).toMatchObject({
      status: "active",
      revokeAt: rotated.oldKeyRevokeAt,
      replacedById: rotated.id,
    });
    expect(await listed(rotated.id)).toMatchObject({
      name: "Worker (rotated)",
      prefix: rotated.prefix,
      status: "active",
      projectId,
      rpmLimit: 100,
      tpmLimit: 50_000,
      spendLimitMicros: 3_000_000n,
      allowedModels: ["demo-chat"],
      createdBy: { id: alice.userId, email: alice.email },
    });
    const twice = await rejection(
      alice.trpc.keys.rotate.mutate({ orgId, keyId: old.id, gracePeriodSeconds: 0 }),
    );
    expect(twice.data?.code).toBe("PRECONDITION_FAILED");

    await new Promise((resolve) => setTimeout(resolve, rotated.oldKeyRevokeAt.getTime() - Date.now() + 100));
    expect((await chat(old.key)).status).toBe(401);
    expect((await chat(rotated.key)).status).toBe(200);
    expect((await listed(old.id)).status).toBe("revoked");
    expect((await alice.trpc.keys.list.query({ orgId, status: "revoked" })).map((k) => k.id)).toContain(
      old.id,
    );
    expect((await alice.trpc.keys.list.query({ orgId, status: "active" })).map((k) => k.id)).not.toContain(
      old.id,
    );

    const actions = await p.db.prisma.auditLog.findMany({
      where: { orgId, targetId: old.id },
      orderBy: { id: "asc" },
    });
    expect(actions.map((a) => a.action)).toEqual(["key.create", "key.revoke_scheduled", "key.rotate"]);
    expect(p.logs.join("\n")).not.toContain(rotated.key);
  });

  it("rotates with no grace period: the old key stops at once", async () => {
    const old = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Now" });
    expect((await chat(old.key)).status).toBe(200);
    const rotated = await alice.trpc.keys.rotate.mutate({ orgId, keyId: old.id, gracePeriodSeconds: 0 });
    expect((await chat(old.key)).status).toBe(401);
    expect((await chat(rotated.key)).status).toBe(200);
    expect(await listed(old.id)).toMatchObject({ status: "revoked", replacedById: rotated.id });
    expect(rotated.oldKeyRevokeAt.getTime()).toBeLessThanOrEqual(Date.now());
    const tooLong = await rejection(
      alice.trpc.keys.rotate.mutate({ orgId, keyId: rotated.id, gracePeriodSeconds: 7 * 86_400 + 1 }),
    );
    expect(tooLong.data?.code).toBe("BAD_REQUEST");
    expect((await listed(rotated.id)).revokeAt).toBeNull();
  });

  it("shows the effective status and filters on it and on the project", async () => {
    const created = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Short-lived" });
    await p.db.prisma.apiKey.update({
      where: { id: created.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await listed(created.id)).status).toBe("expired");
    const expired = await alice.trpc.keys.list.query({ orgId, status: "expired" });
    expect(expired.map((k) => k.id)).toContain(created.id);
    expect(expired.every((k) => k.status === "expired")).toBe(true);
    const fresh = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Fresh" });
    const scheduled = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Scheduled" });
    await alice.trpc.keys.rotate.mutate({ orgId, keyId: scheduled.id, gracePeriodSeconds: 3600 });
    const active = await alice.trpc.keys.list.query({ orgId, status: "active" });
    expect(active.map((k) => k.id)).toEqual(expect.arrayContaining([fresh.id, scheduled.id]));
    expect(expired.map((k) => k.id)).not.toContain(fresh.id);
    expect(active.every((k) => k.status === "active")).toBe(true);

    const other = await p.db.prisma.project.create({ data: { orgId, slug: "other", name: "Other" } });
    const inOther = await alice.trpc.keys.create.mutate({ orgId, projectId: other.id, name: "Elsewhere" });
    const listedOther = await alice.trpc.keys.list.query({ orgId, projectId: other.id });
    expect(listedOther.map((k) => k.id)).toEqual([inOther.id]);
    expect(listedOther[0]?.projectName).toBe("Other");

    await p.db.prisma.project.update({ where: { id: other.id }, data: { archivedAt: new Date() } });
    const archived = await rejection(
      alice.trpc.keys.create.mutate({ orgId, projectId: other.id, name: "No" }),
    );
    expect(archived.data?.code).toBe("PRECONDITION_FAILED");
  });

  it("lets a viewer list but not create, change, revoke or rotate; a member may", async () => {
    const { id: keyId, key } = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Shared" });
    const viewer = await addMember("viewer");
    expect((await viewer.trpc.keys.list.query({ orgId })).map((k) => k.id)).toContain(keyId);
    for (const call of [
      () => viewer.trpc.keys.create.mutate({ orgId, projectId, name: "Mine" }),
      () => viewer.trpc.keys.update.mutate({ orgId, keyId, name: "Mine" }),
      () => viewer.trpc.keys.revoke.mutate({ orgId, keyId }),
      () => viewer.trpc.keys.rotate.mutate({ orgId, keyId, gracePeriodSeconds: 0 }),
    ]) {
      expect((await rejection(call())).data?.code).toBe("FORBIDDEN");
    }
    expect((await chat(key)).status).toBe(200);
    expect(await listed(keyId)).toMatchObject({ name: "Shared", status: "active" });

    const member = await addMember("member");
    const mine = await member.trpc.keys.create.mutate({ orgId, projectId, name: "Member key" });
    expect((await listed(mine.id)).createdBy?.id).toBe(member.userId);
  });

  it("finds nothing of another organization: its keys and projects are NOT_FOUND and unchanged", async () => {
    const { id: keyId, key } = await alice.trpc.keys.create.mutate({ orgId, projectId, name: "Private" });
    const bob = await p.signedIn("bob");
    const bobs = await fundedOrg(p, bob.userId);
    const calls = [
      () => bob.trpc.keys.create.mutate({ orgId: bobs.orgId, projectId, name: "Stolen" }),
      () => bob.trpc.keys.update.mutate({ orgId: bobs.orgId, keyId, name: "Stolen" }),
      () => bob.trpc.keys.revoke.mutate({ orgId: bobs.orgId, keyId }),
      () => bob.trpc.keys.rotate.mutate({ orgId: bobs.orgId, keyId, gracePeriodSeconds: 0 }),
      () => bob.trpc.keys.list.query({ orgId: bobs.orgId, projectId }),
      () => bob.trpc.keys.list.query({ orgId }),
      () => bob.trpc.keys.revoke.mutate({ orgId, keyId }),
    ];
    for (const call of calls) expect((await rejection(call())).data?.code).toBe("NOT_FOUND");
    expect(await p.db.prisma.apiKey.count({ where: { orgId: bobs.orgId } })).toBe(0);
    expect(await listed(keyId)).toMatchObject({ name: "Private", status: "active", revokeAt: null });
    expect((await chat(key)).status).toBe(200);
  });
});

describe("keys when the inference service does not answer", () => {
  let down: TestPlatform;
  afterAll(() => down?.close());

  it("reports failure for create, update, revoke and rotate, and changes nothing", async () => {
    down = await startPlatform({ INFERENCE_INTERNAL_URL: "http://127.0.0.1:9/internal/trpc" });
    const owner = await down.signedIn("owner");
    const { org, project } = await createOrganization(down.db.prisma, {
      slug: "down-org",
      ownerUserId: owner.userId,
    });
    const { record } = await createApiKey(down.db.prisma, {
      orgId: org.id,
      projectId: project.id,
      name: "Kept",
    });
    const before = await down.db.prisma.apiKey.findMany({ where: { orgId: org.id } });
    for (const call of [
      () => owner.trpc.keys.create.mutate({ orgId: org.id, projectId: project.id, name: "New" }),
      () => owner.trpc.keys.update.mutate({ orgId: org.id, keyId: record.id, name: "Changed" }),
      () => owner.trpc.keys.revoke.mutate({ orgId: org.id, keyId: record.id }),
      () => owner.trpc.keys.rotate.mutate({ orgId: org.id, keyId: record.id, gracePeriodSeconds: 60 }),
    ]) {
      const error = await rejection(call());
      expect(error.data?.code).toBe("SERVICE_UNAVAILABLE");
      expect(error.message).toMatch(/inference service/);
    }
    expect(await down.db.prisma.apiKey.findMany({ where: { orgId: org.id } })).toEqual(before);
    const listed = await owner.trpc.keys.list.query({ orgId: org.id });
    expect(listed.map((k) => [k.id, k.status, k.name])).toEqual([[record.id, "active", "Kept"]]);
  });
});

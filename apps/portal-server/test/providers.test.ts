// An organization's own providers (BYOK) through the portal: the key goes in sealed to its org and
// provider, and never comes back out (responses, audit rows, logs); names, roles and BYOK being
// off are enforced; tests record their outcome on the provider.
import { createOrganization } from "@gw/db";
import { createSecretBox, providerKeyOwner } from "@gw/server-kit";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform, testEncryptionKey } from "./support/platform.ts";

const box = createSecretBox(testEncryptionKey);
let platform: TestPlatform;
let orgs = 0;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

/** A new org owned by a new signed-in user. */
async function ownerWithOrg(p: TestPlatform = platform) {
  orgs += 1;
  const owner = await p.signedIn("owner");
  const { org } = await createOrganization(p.db.prisma, {
    slug: `byok-${orgs}-${owner.userId.slice(0, 6)}`,
    ownerUserId: owner.userId,
  });
  return { owner, org };
}

async function memberOf(orgId: string, role: "admin" | "member" | "viewer") {
  const user = await platform.signedIn(role);
  await platform.db.prisma.membership.create({ data: { orgId, userId: user.userId, role } });
  return user;
}

describe("providers", () => {
  it("creates, lists, updates and deletes a provider, keeping the key sealed and out of every answer", async () => {
    const { owner, org } = await ownerWithOrg();
    const key = "sk-byok-first-secret-key-wxyz";
    const secondKey = "sk-byok-second-secret-key-9876";
    const answers: unknown[] = [];
    const orgId = org.id;

    const created = await owner.trpc.providers.create.mutate({
      orgId,
      name: "openai",
      kind: "openai",
      apiKey: key,
      models: ["gpt-4o-mini", "gpt-4o", "gpt-4o-mini"],
    });
    answers.push(created);
    expect(created).toMatchObject({
      name: "openai",
      kind: "openai",
      baseUrl: null,
      keyLast4: "…wxyz",
      models: ["gpt-4o-mini", "gpt-4o"],
      status: "active",
      lastTestedAt: null,
      lastError: null,
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(created).sort()).toEqual(
      [
        "id",
        "name",
        "kind",
        "baseUrl",
        "keyLast4",
        "models",
        "status",
        "lastTestedAt",
        "lastError",
        "createdAt",
        "updatedAt",
      ].sort(),
    );
    const listed = await owner.trpc.providers.list.query({ orgId });
    answers.push(listed);
    expect(listed).toEqual([created]);

    // Stored sealed, bound to this org and this provider.
    const row = await platform.db.prisma.customProvider.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.keyLast4).toBe("wxyz");
    expect(box.open(row.encryptedKey, providerKeyOwner(orgId, created.id))).toBe(key);
    const other = await ownerWithOrg();
    expect(() => box.open(row.encryptedKey, providerKeyOwner(other.org.id, created.id))).toThrow();
    expect(() => box.open(row.encryptedKey, providerKeyOwner(orgId, crypto.randomUUID()))).toThrow();

    const renamed = await owner.trpc.providers.update.mutate({
      orgId,
      providerId: created.id,
      name: "my-openai",
      models: ["gpt-4o"],
      status: "disabled",
    });
    answers.push(renamed);
    expect(renamed).toMatchObject({
      name: "my-openai",
      models: ["gpt-4o"],
      status: "disabled",
      keyLast4: "…wxyz",
    });
    // The key is untouched by an update without one.
    const afterRename = await platform.db.prisma.customProvider.findUniqueOrThrow({
      where: { id: created.id },
    });
    expect(afterRename.encryptedKey).toBe(row.encryptedKey);

    const rekeyed = await owner.trpc.providers.update.mutate({
      orgId,
      providerId: created.id,
      apiKey: secondKey,
      status: "active",
    });
    answers.push(rekeyed);
    expect(rekeyed).toMatchObject({ keyLast4: "…9876", status: "active" });
    const resealed = await platform.db.prisma.customProvider.findUniqueOrThrow({ where: { id: created.id } });
    expect(resealed.encryptedKey).not.toBe(row.encryptedKey);
    expect(box.open(resealed.encryptedKey, providerKeyOwner(orgId, created.id))).toBe(secondKey);
    expect(JSON.stringify(resealed)).not.toContain(secondKey);

    answers.push(await owner.trpc.providers.delete.mutate({ orgId, providerId: created.id }));
    expect(await owner.trpc.providers.list.query({ orgId })).toEqual([]);
    expect(await platform.db.prisma.customProvider.count({ where: { orgId } })).toBe(0);
    const gone = await rejection(owner.trpc.providers.delete.mutate({ orgId, providerId: created.id }));
    expect(gone.data?.code).toBe("NOT_FOUND");

    // One audit row per change, with names and kinds, never a key.
    const audit = await platform.db.prisma.auditLog.findMany({
      where: { orgId, targetType: "provider" },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => [a.action, a.actorUserId, a.targetId])).toEqual([
      ["provider.create", owner.userId, created.id],
      ["provider.update", owner.userId, created.id],
      ["provider.update", owner.userId, created.id],
      ["provider.delete", owner.userId, created.id],
    ]);
    expect(audit[0]!.metadata).toEqual({ name: "openai", kind: "openai", baseUrl: null });
    expect(audit[2]!.metadata).toMatchObject({ changed: ["apiKey", "status"] });
    const everything = [
      superjson.stringify(answers),
      superjson.stringify(audit),
      platform.logs.join("\n"),
    ].join();
    for (const secret of [key, secondKey, row.encryptedKey, resealed.encryptedKey]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("validates names and base URLs, refuses a name twice, and stores nothing then", async () => {
    const { owner, org } = await ownerWithOrg();
    const orgId = org.id;
    const base = { orgId, kind: "openai" as const, apiKey: "sk-some-key-1234", models: [] };
    for (const name of ["My Provider", "-dash", "UPPER", "has/slash", "", "x".repeat(41)]) {
      const error = await rejection(owner.trpc.providers.create.mutate({ ...base, name }));
      expect(error.data?.code, name).toBe("BAD_REQUEST");
      expect(error.message, name).toMatch(/^name: /);
    }
    const noUrl = await rejection(
      owner.trpc.providers.create.mutate({ ...base, name: "vllm", kind: "openai_compatible" }),
    );
    expect(noUrl.data?.code).toBe("BAD_REQUEST");
    expect(noUrl.message).toBe("baseUrl: an OpenAI-compatible provider needs a base URL");
    const badModel = await rejection(
      owner.trpc.providers.create.mutate({ ...base, name: "ok", models: ["has space"] }),
    );
    expect(badModel.message).toBe("models.0: a model id has no spaces");
    expect(await platform.db.prisma.customProvider.count({ where: { orgId } })).toBe(0);

    const first = await owner.trpc.providers.create.mutate({ ...base, name: "first" });
    const second = await owner.trpc.providers.create.mutate({ ...base, name: "second_one" });
    const twice = await rejection(owner.trpc.providers.create.mutate({ ...base, name: "first" }));
    expect(twice.data?.code).toBe("CONFLICT");
    expect(twice.message).toBe("This organization already has a provider named first.");
    const rename = await rejection(
      owner.trpc.providers.update.mutate({ orgId, providerId: second.id, name: "first" }),
    );
    expect(rename.data?.code).toBe("CONFLICT");
    // The default base URL of an openai provider cannot be removed from an openai_compatible one.
    const compatible = await platform.db.prisma.customProvider.update({
      where: { id: first.id },
      data: { kind: "openai_compatible", baseUrl: "https://api.example.com/v1" },
    });
    const clear = await rejection(
      owner.trpc.providers.update.mutate({ orgId, providerId: first.id, baseUrl: null }),
    );
    expect(clear.message).toBe("An OpenAI-compatible provider needs a base URL.");
    const empty = await rejection(owner.trpc.providers.update.mutate({ orgId, providerId: first.id }));
    expect(empty.data?.code).toBe("BAD_REQUEST");
    // The same name in another organization is fine.
    const other = await ownerWithOrg();
    await other.owner.trpc.providers.create.mutate({ ...base, orgId: other.org.id, name: "first" });

    const rows = await platform.db.prisma.customProvider.findMany({
      where: { orgId },
      orderBy: { name: "asc" },
    });
    expect(rows.map((r) => [r.name, r.baseUrl])).toEqual([
      ["first", compatible.baseUrl],
      ["second_one", null],
    ]);
    expect(
      await platform.db.prisma.auditLog.count({ where: { orgId, action: { startsWith: "provider." } } }),
    ).toBe(2);
  });

  it("lets viewers and members read but not change providers, and hides them from other orgs", async () => {
    const { owner, org } = await ownerWithOrg();
    const orgId = org.id;
    const provider = await owner.trpc.providers.create.mutate({
      orgId,
      name: "anthropic",
      kind: "anthropic",
      apiKey: "sk-ant-secret-abcd",
      models: [],
    });
    const admin = await memberOf(orgId, "admin");
    await admin.trpc.providers.update.mutate({
      orgId,
      providerId: provider.id,
      models: ["claude-3-5-haiku"],
    });

    for (const role of ["viewer", "member"] as const) {
      const user = await memberOf(orgId, role);
      expect((await user.trpc.providers.list.query({ orgId })).map((p) => p.id)).toEqual([provider.id]);
      const calls = [
        () =>
          user.trpc.providers.create.mutate({
            orgId,
            name: "x",
            kind: "openai",
            apiKey: "k-1234",
            models: [],
          }),
        () => user.trpc.providers.update.mutate({ orgId, providerId: provider.id, name: "renamed" }),
        () => user.trpc.providers.delete.mutate({ orgId, providerId: provider.id }),
        () => user.trpc.providers.test.mutate({ orgId, providerId: provider.id }),
        () => user.trpc.providers.testNew.mutate({ orgId, kind: "openai", apiKey: "k-1234" }),
      ];
      for (const call of calls) {
        const error = await rejection(call());
        expect(error.data?.code, role).toBe("FORBIDDEN");
      }
    }

    // Another org's owner: its org id gets NOT_FOUND, and this org's provider id in its own org too.
    const stranger = await ownerWithOrg();
    expect((await rejection(stranger.owner.trpc.providers.list.query({ orgId }))).data?.code).toBe(
      "NOT_FOUND",
    );
    const own = { orgId: stranger.org.id, providerId: provider.id };
    for (const call of [
      () => stranger.owner.trpc.providers.update.mutate({ ...own, name: "stolen" }),
      () => stranger.owner.trpc.providers.delete.mutate(own),
      () => stranger.owner.trpc.providers.test.mutate(own),
    ]) {
      const error = await rejection(call());
      expect(error.data?.code).toBe("NOT_FOUND");
      expect(error.message).toBe("Provider not found.");
    }
    const row = await platform.db.prisma.customProvider.findUniqueOrThrow({ where: { id: provider.id } });
    expect(row).toMatchObject({ name: "anthropic", models: ["claude-3-5-haiku"], lastTestedAt: null });
  });

  it("records a failed test on the provider, and new credentials put it back in service", async () => {
    const { owner, org } = await ownerWithOrg();
    const orgId = org.id;
    const key = "sk-test-unreachable-5555";
    // The official OpenAI API does not resolve from the test machine: the test fails, cleanly.
    const provider = await owner.trpc.providers.create.mutate({
      orgId,
      name: "openai",
      kind: "openai",
      apiKey: key,
      models: [],
    });
    const result = await owner.trpc.providers.test.mutate({ orgId, providerId: provider.id });
    expect(result.ok).toBe(false);
    expect(result.error).toEqual(expect.any(String));
    expect(result.models).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(key);
    const [failed] = await owner.trpc.providers.list.query({ orgId });
    expect(failed).toMatchObject({ status: "error", lastError: result.error });
    expect(failed!.lastTestedAt).toBeInstanceOf(Date);

    const rekeyed = await owner.trpc.providers.update.mutate({
      orgId,
      providerId: provider.id,
      apiKey: "sk-test-another-6666",
    });
    expect(rekeyed).toMatchObject({ status: "active", lastError: null, lastTestedAt: null });

    // A disabled provider stays disabled whatever its test says.
    await owner.trpc.providers.update.mutate({ orgId, providerId: provider.id, status: "disabled" });
    expect((await owner.trpc.providers.test.mutate({ orgId, providerId: provider.id })).ok).toBe(false);
    expect((await owner.trpc.providers.list.query({ orgId }))[0]).toMatchObject({ status: "disabled" });

    // A key that does not open here (sealed to another provider) asks for the key again.
    await platform.db.prisma.customProvider.update({
      where: { id: provider.id },
      data: { encryptedKey: box.seal(key, providerKeyOwner(orgId, crypto.randomUUID())) },
    });
    const sealedElsewhere = await rejection(
      owner.trpc.providers.test.mutate({ orgId, providerId: provider.id }),
    );
    expect(sealedElsewhere.data?.code).toBe("PRECONDITION_FAILED");
    expect(sealedElsewhere.message).toMatch(/Enter the key again/);

    const tests = await platform.db.prisma.auditLog.findMany({ where: { orgId, action: "provider.test" } });
    expect(tests.map((t) => t.metadata)).toEqual([
      { name: "openai", ok: false, status: "error" },
      { name: "openai", ok: false, status: "disabled" },
    ]);
    expect(platform.logs.join("\n")).not.toContain(key);
  });
});

describe("providers with BYOK off (no ENCRYPTION_KEY)", () => {
  let off: TestPlatform;
  beforeAll(async () => {
    off = await startPlatform({ ENCRYPTION_KEY: "" }, { db: platform.db });
  });
  afterAll(() => off?.close());

  it("refuses to store or test keys, naming ENCRYPTION_KEY, and still lists and deletes", async () => {
    const { owner, org } = await ownerWithOrg(off);
    const orgId = org.id;
    const refused = await rejection(
      owner.trpc.providers.create.mutate({
        orgId,
        name: "openai",
        kind: "openai",
        apiKey: "sk-x-1234",
        models: [],
      }),
    );
    expect(refused.data?.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(/ENCRYPTION_KEY/);
    const testNew = await rejection(
      owner.trpc.providers.testNew.mutate({ orgId, kind: "openai", apiKey: "sk-x-1234" }),
    );
    expect(testNew.data?.code).toBe("PRECONDITION_FAILED");
    expect(await off.db.prisma.customProvider.count({ where: { orgId } })).toBe(0);

    // A provider saved while BYOK was on can be seen and removed, not edited or tested.
    const row = await off.db.prisma.customProvider.create({
      data: { orgId, kind: "openai", name: "old", encryptedKey: "v1.x.y.z", keyLast4: "1234" },
    });
    expect((await owner.trpc.providers.list.query({ orgId })).map((p) => p.keyLast4)).toEqual(["…1234"]);
    for (const call of [
      () => owner.trpc.providers.update.mutate({ orgId, providerId: row.id, name: "new" }),
      () => owner.trpc.providers.test.mutate({ orgId, providerId: row.id }),
    ]) {
      expect((await rejection(call())).data?.code).toBe("PRECONDITION_FAILED");
    }
    await owner.trpc.providers.delete.mutate({ orgId, providerId: row.id });
    expect(await off.db.prisma.customProvider.count({ where: { orgId } })).toBe(0);
  });
});

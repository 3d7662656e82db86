// A key's allowed models, end to end: the portal saves only entries that name a model the
// organization can use (by alias, `<provider>/<model>` or the bare model id, its own providers
// included), refuses the rest with a message under the field and saves nothing, keeps keys whose
// models went away editable and rotatable, and /v1 then serves the key under the saved names.
import { createApiKey } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundedOrg, rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;
let orgId: string;
let projectId: string;

/** An alias of the platform, served by the demo provider's chat model. */
const alias = "chatty";

beforeAll(async () => {
  p = await startPlatform({
    MINI_LLM_ROUTING: JSON.stringify([{ alias, targets: [{ provider: "demo", model: "demo-chat" }] }]),
  });
  alice = await p.signedIn("alice");
  ({ orgId, projectId } = await fundedOrg(p, alice.userId));
});
afterAll(() => p?.close());

function chat(key: string, model: string) {
  return fetch(`${p.inferenceUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 5 }),
  });
}

async function allowedModelsOf(keyId: string) {
  const row = await p.db.prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } });
  return row.allowedModels;
}

/** Keys and audit rows of the org: what a refused call must leave as it was. */
async function snapshot() {
  return {
    // Not spend or last use: the usage writer may settle earlier requests in between.
    keys: await p.db.prisma.apiKey.findMany({
      where: { orgId },
      orderBy: { id: "asc" },
      select: { id: true, name: true, allowedModels: true },
    }),
    audit: await p.db.prisma.auditLog.count({ where: { orgId } }),
  };
}

describe("allowed models", () => {
  it("saves a bare id, <provider>/<model> and an alias, and /v1 serves the key under each", async () => {
    const created = await alice.trpc.keys.create.mutate({
      orgId,
      projectId,
      name: "Chat only",
      allowedModels: [" demo-chat ", "demo/demo-chat", alias, "demo-chat"],
    });
    expect(await allowedModelsOf(created.id)).toEqual(["demo-chat", "demo/demo-chat", alias]);
    for (const model of ["demo-chat", "demo/demo-chat", alias]) {
      const response = await chat(created.key, model);
      expect(response.status, model).toBe(200);
    }
    const embed = await fetch(`${p.inferenceUrl}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-embed", input: "x" }),
    });
    expect(embed.status).toBe(403);

    // One name at a time, each saved alone, reaches the model by that name; the model's own names
    // (the bare id, <provider>/<model>) reach it under every other name too.
    for (const model of ["demo-chat", "demo/demo-chat", alias]) {
      const key = await alice.trpc.keys.create.mutate({
        orgId,
        projectId,
        name: model,
        allowedModels: [model],
      });
      expect((await chat(key.key, model)).status, model).toBe(200);
      if (model !== alias) {
        for (const other of ["demo-chat", "demo/demo-chat", alias])
          expect((await chat(key.key, other)).status, `${model} -> ${other}`).toBe(200);
      }
    }
    // The provider's name reaches the alias served by it.
    const qualified = await alice.trpc.keys.create.mutate({
      orgId,
      projectId,
      name: "Qualified",
      allowedModels: ["demo/demo-chat"],
    });
    expect((await chat(qualified.key, alias)).status).toBe(200);

    const updated = await alice.trpc.keys.update.mutate({
      orgId,
      keyId: created.id,
      allowedModels: ["demo/demo-embed", "demo-chat"],
    });
    expect(updated.allowedModels).toEqual(["demo/demo-embed", "demo-chat"]);
    expect((await chat(created.key, "demo-chat")).status).toBe(200);
  });

  it("refuses ids that name no model, says where the ids are, and saves nothing", async () => {
    const before = await snapshot();
    const one = await rejection(
      alice.trpc.keys.create.mutate({
        orgId,
        projectId,
        name: "Typo",
        allowedModels: ["demo-chat", "gpt-5"],
      }),
    );
    expect(one.data?.code).toBe("BAD_REQUEST");
    expect(one.message).toBe(
      '"gpt-5" is not a model this organization can use. See the Models page for the ids it can use: an alias, provider/model, or the model id alone.',
    );
    expect(one.data?.fieldErrors).toEqual({ allowedModels: [one.message] });

    const many = await rejection(
      alice.trpc.keys.create.mutate({
        orgId,
        projectId,
        name: "Typos",
        allowedModels: ["a1", "a2", "demo/nope", "nope/demo-chat", "a5", "a6", "a7"],
      }),
    );
    expect(many.data?.code).toBe("BAD_REQUEST");
    expect(many.message).toMatch(
      /^"a1", "a2", "demo\/nope", "nope\/demo-chat", "a5" and 2 more are not models this organization can use\. See the Models page/,
    );

    const key = await alice.trpc.keys.create.mutate({
      orgId,
      projectId,
      name: "Kept",
      allowedModels: ["demo-chat"],
    });
    const between = await snapshot();
    const update = await rejection(
      alice.trpc.keys.update.mutate({ orgId, keyId: key.id, name: "Renamed", allowedModels: ["demo-chatt"] }),
    );
    expect(update.data?.code).toBe("BAD_REQUEST");
    expect(update.message).toMatch(/^"demo-chatt" is not a model this organization can use\./);
    expect(update.data?.fieldErrors).toEqual({ allowedModels: [update.message] });
    expect(await snapshot()).toEqual(between);
    expect(between.keys.length).toBe(before.keys.length + 1);
    expect(between.audit).toBe(before.audit + 1);

    const blank = await rejection(
      alice.trpc.keys.create.mutate({ orgId, projectId, name: "Blank", allowedModels: ["demo-chat", "  "] }),
    );
    expect(blank.data?.code).toBe("BAD_REQUEST");
    expect(blank.message).toBe("allowedModels.1: a model id cannot be blank");
    const tooMany = await rejection(
      alice.trpc.keys.create.mutate({
        orgId,
        projectId,
        name: "Many",
        allowedModels: Array.from({ length: 101 }, (_, i) => `m${i}`),
      }),
    );
    expect(tooMany.message).toBe("allowedModels: list at most 100 models");
    expect(await snapshot()).toEqual(between);
  });

  it("keeps a key whose models went away editable and rotatable, checking only new entries", async () => {
    const { key: secret, record } = await createApiKey(p.db.prisma, {
      orgId,
      projectId,
      name: "Legacy",
      allowedModels: ["retired-model", "demo-chat"],
    });
    p.secrets.add(secret);
    const listed = (await alice.trpc.keys.list.query({ orgId })).find((k) => k.id === record.id);
    expect(listed?.allowedModels).toEqual(["retired-model", "demo-chat"]);

    const renamed = await alice.trpc.keys.update.mutate({
      orgId,
      keyId: record.id,
      name: "Legacy (renamed)",
      allowedModels: ["retired-model", "demo-chat"],
    });
    expect(renamed).toMatchObject({
      name: "Legacy (renamed)",
      allowedModels: ["retired-model", "demo-chat"],
    });
    const grown = await alice.trpc.keys.update.mutate({
      orgId,
      keyId: record.id,
      allowedModels: ["retired-model", "demo-chat", alias],
    });
    expect(grown.allowedModels).toEqual(["retired-model", "demo-chat", alias]);
    const refused = await rejection(
      alice.trpc.keys.update.mutate({
        orgId,
        keyId: record.id,
        allowedModels: ["retired-model", "gone-too"],
      }),
    );
    expect(refused.message).toMatch(/^"gone-too" is not a model/);
    expect(await allowedModelsOf(record.id)).toEqual(["retired-model", "demo-chat", alias]);

    const rotated = await alice.trpc.keys.rotate.mutate({ orgId, keyId: record.id, gracePeriodSeconds: 0 });
    expect(await allowedModelsOf(rotated.id)).toEqual(["retired-model", "demo-chat", alias]);
    expect((await chat(rotated.key, "demo-chat")).status).toBe(200);
  });

  it("accepts the org's own providers' models for that org only", async () => {
    await alice.trpc.providers.create.mutate({
      orgId,
      name: "mine",
      kind: "openai",
      apiKey: "sk-byok-allowed-models-test-key",
      models: ["ft:gpt-4o-mini:acme"],
    });
    const own = await alice.trpc.keys.create.mutate({
      orgId,
      projectId,
      name: "Own provider",
      allowedModels: ["mine/ft:gpt-4o-mini:acme", "ft:gpt-4o-mini:acme"],
    });
    expect(await allowedModelsOf(own.id)).toEqual(["mine/ft:gpt-4o-mini:acme", "ft:gpt-4o-mini:acme"]);

    const other = await fundedOrg(p, alice.userId);
    const elsewhere = await rejection(
      alice.trpc.keys.create.mutate({
        orgId: other.orgId,
        projectId: other.projectId,
        name: "Not here",
        allowedModels: ["mine/ft:gpt-4o-mini:acme"],
      }),
    );
    expect(elsewhere.message).toMatch(
      /^"mine\/ft:gpt-4o-mini:acme" is not a model this organization can use/,
    );
  });
});

// An organization's own providers (BYOK) serve that organization's requests only, on its own key,
// free of platform charges; user-supplied hosts are checked when connecting.
import { randomBytes } from "node:crypto";
import { createApiKey, createOrganization, postLedgerEntry } from "@gw/db";
import { createSecretBox, providerKeyOwner } from "@gw/server-kit";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startGateway, type TestGateway } from "./support/gateway.ts";
import { type MockOpenAI, startMockOpenAI } from "./support/mock-openai.ts";

const encryptionKey = randomBytes(32).toString("hex");
const box = createSecretBox(encryptionKey);
const ask = { messages: [{ role: "user" as const, content: "hi" }] };

async function addProvider(
  gw: TestGateway,
  orgId: string,
  name: string,
  baseUrl: string | null,
  key: string,
  models: string[],
) {
  const row = await gw.db.prisma.customProvider.create({
    data: {
      orgId,
      kind: name === "openai" ? "openai" : "openai_compatible",
      name,
      baseUrl,
      encryptedKey: "pending",
      keyLast4: key.slice(-4),
      models,
    },
  });
  await gw.db.prisma.customProvider.update({
    where: { id: row.id },
    data: { encryptedKey: box.seal(key, providerKeyOwner(orgId, row.id)) },
  });
  await gw.internal.providers.changed.mutate({ orgId });
}

describe.each([
  ["private hosts allowed", "true"],
  ["private hosts refused", "false"],
])("BYOK routing, %s", (_name, allowPrivate) => {
  let own: MockOpenAI;
  let platform: MockOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    own = await startMockOpenAI();
    platform = await startMockOpenAI();
    gw = await startGateway({
      ENCRYPTION_KEY: encryptionKey,
      ALLOW_PRIVATE_PROVIDER_HOSTS: allowPrivate,
      OPENAI_API_KEY: "platform-key",
      OPENAI_BASE_URL: platform.url,
    });
    await addProvider(gw, gw.orgId, "myvllm", own.url, "org-secret-key-1234", ["qwen-7b"]);
  });
  afterAll(async () => {
    await gw.close();
    await own.close();
    await platform.close();
  });

  if (allowPrivate === "true") {
    it("serves the org's own provider on its key, free, and no other org sees it", async () => {
      const client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: "myvllm/qwen-7b", ...ask })
        .withResponse();
      expect(own.requests.at(-1)!.headers.authorization).toBe("Bearer org-secret-key-1234");
      const requestId = response.headers.get("x-request-id")!;
      const record = await eventually(() =>
        gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined),
      );
      expect(record).toMatchObject({ provider: "myvllm", outcome: "success", costMicros: 0n });
      expect((await client.models.list()).data.map((m) => m.id)).toContain("myvllm/qwen-7b");

      const { org, project } = await createOrganization(gw.db.prisma, { slug: "other-org" });
      await postLedgerEntry(gw.db.prisma, {
        orgId: org.id,
        amountMicros: 10_000_000n,
        kind: "grant",
        idempotencyKey: "other",
      });
      const otherKey = (await createApiKey(gw.db.prisma, { orgId: org.id, projectId: project.id, name: "o" }))
        .key;
      const other = new OpenAI({ apiKey: otherKey, baseURL: gw.baseURL, maxRetries: 0 });
      expect(
        await other.chat.completions
          .create({ model: "myvllm/qwen-7b", ...ask })
          .catch((e: { status: number }) => e.status),
      ).toBe(404);
    });

    it("lets an org's provider named openai replace the platform's for that org", async () => {
      await addProvider(gw, gw.orgId, "openai", own.url, "org-openai-key-9999", []);
      const client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
      await client.chat.completions.create({ model: "openai/gpt-4o-mini", ...ask });
      expect(own.requests.at(-1)!.headers.authorization).toBe("Bearer org-openai-key-9999");
      expect(platform.requests).toHaveLength(0);
    });

    it("skips an OpenAI-compatible provider stored without a base URL (the portal refuses one)", async () => {
      await addProvider(gw, gw.orgId, "nourl", null, "org-nourl-key-5555", ["qwen-7b"]);
      const client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
      const status = await client.chat.completions
        .create({ model: "nourl/qwen-7b", ...ask })
        .then(() => 200)
        .catch((e: { status: number }) => e.status);
      expect(status).toBe(404);
      expect((await client.models.list()).data.map((m) => m.id)).not.toContain("nourl/qwen-7b");
    });
  } else {
    it("refuses to connect to a private host, and the upstream never sees the key", async () => {
      const client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
      const error = await client.chat.completions
        .create({ model: "myvllm/qwen-7b", ...ask })
        .catch((e: unknown) => e);
      expect((error as { status: number }).status).toBe(502);
      expect(JSON.stringify((error as { error: unknown }).error)).not.toContain("org-secret");
      expect(own.requests).toHaveLength(0);
    });
  }
});

// Provider base URLs against SSRF: by default only https hosts on public addresses are accepted,
// however the address is written; with ALLOW_PRIVATE_PROVIDER_HOSTS a self-hosted model on the
// local network works end to end (saved, tested, and serving /v1 for the org's key).
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { createApiKey, createOrganization, postLedgerEntry } from "@gw/db";
import { isPublicAddress } from "@gw/server-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Test wiring only: the inference suite's mock OpenAI upstream.
import { type MockOpenAI, startMockOpenAI } from "../../inference/test/support/mock-openai.ts";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let platform: TestPlatform;
let orgs = 0;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(() => platform?.close());

async function ownerWithOrg(p: TestPlatform) {
  orgs += 1;
  const owner = await p.signedIn("owner");
  const { org, project } = await createOrganization(p.db.prisma, {
    slug: `ssrf-${orgs}-${owner.userId.slice(0, 6)}`,
    ownerUserId: owner.userId,
  });
  return { owner, org, project };
}

/**
 * A DNS name (not an IP literal) that resolves to a private address here: the machine's own name
 * when /etc/hosts maps it to loopback (it does on the test machines), else `localhost`. There is no
 * DNS beyond the package registry, so names like localtest.me cannot be used.
 */
async function privateName(): Promise<string> {
  const name = hostname();
  const addresses = await lookup(name, { all: true }).catch(() => []);
  return addresses.length > 0 && !addresses.some((a) => isPublicAddress(a.address)) ? name : "localhost";
}

const refused = [
  "http://127.0.0.1/v1",
  "https://127.0.0.1/v1",
  "https://localhost/v1",
  "https://10.0.0.1/v1",
  "https://172.16.5.4/v1",
  "https://192.168.1.1/v1",
  "https://100.64.0.1/v1",
  "https://169.254.169.254/latest/meta-data",
  "https://0.0.0.0/v1",
  "https://[::1]/v1",
  "https://[fd00::1]/v1",
  "https://[fe80::1]/v1",
  "https://[::ffff:127.0.0.1]/v1",
  "https://[::ffff:169.254.169.254]/v1",
  "https://[64:ff9b::7f00:1]/v1",
  "https://[2002:7f00:1::]/v1",
  "https://2130706433/v1",
  "https://0x7f000001/v1",
  "https://017700000001/v1",
  "https://0x7f.1/v1",
  "https://127.1/v1",
  "https://user:pass@example.com/v1",
  "https://key@api.example.com/v1",
  "ftp://example.com/v1",
  "file:///etc/passwd",
  "gopher://127.0.0.1:6379/_",
  "not a url",
];

describe("provider base URLs, private hosts refused (the default)", () => {
  it("refuses every loopback, private, link-local, metadata and encoded address, and stores nothing", async () => {
    const { owner, org } = await ownerWithOrg(platform);
    const orgId = org.id;
    const existing = await owner.trpc.providers.create.mutate({
      orgId,
      name: "official",
      kind: "openai",
      apiKey: "sk-official-1111",
      models: [],
    });
    const urls = [...refused, `https://${await privateName()}/v1`, "https://localhost.:8443/v1"];
    for (const baseUrl of urls) {
      const create = await rejection(
        owner.trpc.providers.create.mutate({
          orgId,
          name: "attempt",
          kind: "openai_compatible",
          baseUrl,
          apiKey: "sk-attempt-2222",
          models: ["m"],
        }),
      );
      expect(create.data?.code, baseUrl).toBe("BAD_REQUEST");
      expect(create.message, baseUrl).not.toContain("sk-attempt");
      const testNew = await rejection(
        owner.trpc.providers.testNew.mutate({
          orgId,
          kind: "openai_compatible",
          baseUrl,
          apiKey: "sk-a-2222",
        }),
      );
      expect(testNew.data?.code, baseUrl).toBe("BAD_REQUEST");
      const update = await rejection(
        owner.trpc.providers.update.mutate({ orgId, providerId: existing.id, baseUrl }),
      );
      expect(update.data?.code, baseUrl).toBe("BAD_REQUEST");
    }
    const rows = await platform.db.prisma.customProvider.findMany({ where: { orgId } });
    expect(rows.map((r) => [r.name, r.baseUrl])).toEqual([["official", null]]);
    expect(await platform.db.prisma.auditLog.count({ where: { orgId, targetType: "provider" } })).toBe(1);
  });

  it("says what is wrong with the URL", async () => {
    const { owner, org } = await ownerWithOrg(platform);
    const attempt = (baseUrl: string) =>
      rejection(
        owner.trpc.providers.testNew.mutate({
          orgId: org.id,
          kind: "openai_compatible",
          baseUrl,
          apiKey: "k",
        }),
      ).then((e) => e.message);
    expect(await attempt("http://api.example.com/v1")).toBe("The base URL must use https.");
    expect(await attempt("https://user:secret-pw@api.example.com/v1")).toBe(
      "The base URL must not carry credentials.",
    );
    expect(await attempt("https://10.1.2.3/v1")).toBe("The base URL must resolve to a public address.");
    expect(await attempt("https://localhost/v1")).toBe("The base URL must resolve to a public address.");
    // A DNS name, resolved by the system resolver, that points at a private address.
    expect(await attempt(`https://${await privateName()}/v1`)).toBe(
      "The base URL must resolve to a public address.",
    );
    expect(await attempt("https://no-such-host.invalid/v1")).toBe(
      "The host no-such-host.invalid could not be resolved.",
    );
    expect(await attempt("not a url")).toBe("baseUrl: enter a URL such as https://api.example.com/v1");
  });
});

describe("provider base URLs with ALLOW_PRIVATE_PROVIDER_HOSTS=true", () => {
  let local: TestPlatform;
  let upstream: MockOpenAI;
  beforeAll(async () => {
    upstream = await startMockOpenAI({ models: ["qwen-7b", "llama-3-8b"] });
    local = await startPlatform({ ALLOW_PRIVATE_PROVIDER_HOSTS: "true" }, { db: platform.db });
  });
  afterAll(async () => {
    await local?.close();
    await upstream?.close();
  });

  it("saves and tests a local OpenAI-compatible server, which then serves the org's /v1 requests", async () => {
    const { owner, org, project } = await ownerWithOrg(local);
    const orgId = org.id;
    const providerKey = "sk-local-vllm-secret-7777";

    const before = await owner.trpc.providers.testNew.mutate({
      orgId,
      kind: "openai_compatible",
      baseUrl: upstream.url,
      apiKey: providerKey,
    });
    expect(before).toMatchObject({ ok: true, models: ["qwen-7b", "llama-3-8b"], error: null });
    expect(await local.db.prisma.customProvider.count({ where: { orgId } })).toBe(0);

    const provider = await owner.trpc.providers.create.mutate({
      orgId,
      name: "myvllm",
      kind: "openai_compatible",
      baseUrl: `${upstream.url}/`,
      apiKey: providerKey,
      models: ["qwen-7b"],
    });
    expect(provider).toMatchObject({ baseUrl: upstream.url, keyLast4: "…7777", status: "active" });
    const tested = await owner.trpc.providers.test.mutate({ orgId, providerId: provider.id });
    expect(tested).toMatchObject({ ok: true, models: ["qwen-7b", "llama-3-8b"], error: null });
    expect(tested.latencyMs).toBeGreaterThanOrEqual(0);
    const [saved] = await owner.trpc.providers.list.query({ orgId });
    expect(saved).toMatchObject({ status: "active", lastError: null });
    expect(saved!.lastTestedAt).toBeInstanceOf(Date);
    expect(upstream.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${providerKey}`);

    await postLedgerEntry(local.db.prisma, {
      orgId,
      amountMicros: 5_000_000n,
      kind: "grant",
      idempotencyKey: `ssrf-grant-${orgId}`,
    });
    const { key } = await createApiKey(local.db.prisma, { orgId, projectId: project.id, name: "byok" });
    const response = await fetch(`${local.inferenceUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "myvllm/qwen-7b", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gateway-provider")).toBe("myvllm");
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]!.message.content).toEqual(expect.any(String));
    const served = upstream.requests.at(-1)!;
    expect(served).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(served.headers.authorization).toBe(`Bearer ${providerKey}`);

    // Disabled: the org's next request no longer reaches it.
    await owner.trpc.providers.update.mutate({ orgId, providerId: provider.id, status: "disabled" });
    const count = upstream.requests.length;
    const disabled = await fetch(`${local.inferenceUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "myvllm/qwen-7b", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(disabled.status).toBe(404);
    expect(upstream.requests.length).toBe(count);
    expect(local.logs.join("\n")).not.toContain(providerKey);
  });

  it("still refuses credentials in the URL and schemes other than http and https", async () => {
    const { owner, org } = await ownerWithOrg(local);
    for (const baseUrl of [
      "http://user:pass@127.0.0.1:8000/v1",
      "ftp://127.0.0.1/v1",
      "file:///etc/passwd",
      `${upstream.url}?api_key=secret`,
    ]) {
      const error = await rejection(
        owner.trpc.providers.create.mutate({
          orgId: org.id,
          name: "local",
          kind: "openai_compatible",
          baseUrl,
          apiKey: "sk-local-8888",
          models: [],
        }),
      );
      expect(error.data?.code, baseUrl).toBe("BAD_REQUEST");
    }
    expect(await local.db.prisma.customProvider.count({ where: { orgId: org.id } })).toBe(0);
  });
});

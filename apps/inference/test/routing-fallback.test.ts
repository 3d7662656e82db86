// Routing over real adapters and mock upstreams that speak OpenAI's wire format: fallback before
// the first byte, never after; circuit breaking; Retry-After; client disconnects.
import { ZChatCompletionChunk } from "@gw/contracts";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseInferenceEnv } from "../src/env.ts";
import { buildRouting } from "../src/routing/build-registry.ts";
import { startGateway, type TestGateway } from "./support/gateway.ts";
import { type MockOpenAI, startMockOpenAI } from "./support/mock-openai.ts";

let nebius: MockOpenAI;
let deepinfra: MockOpenAI;
let gw: TestGateway;
let client: OpenAI;

const fastRoute = [
  {
    alias: "fast-llama",
    targets: [
      { provider: "nebius", model: "meta-llama/Meta-Llama-3.1-8B-Instruct" },
      { provider: "deepinfra", model: "meta-llama/Meta-Llama-3.1-8B-Instruct" },
    ],
    fallbackOn: ["5xx", "timeout", "rate_limit"],
    timeout: 400,
  },
];

beforeAll(async () => {
  nebius = await startMockOpenAI();
  deepinfra = await startMockOpenAI();
  gw = await startGateway({
    NEBIUS_API_KEY: "nebius-secret-key",
    NEBIUS_BASE_URL: nebius.url,
    DEEPINFRA_API_KEY: "deepinfra-secret-key",
    DEEPINFRA_BASE_URL: deepinfra.url,
    MINI_LLM_ROUTING: JSON.stringify(fastRoute),
  });
  client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
});
afterEach(() => {
  nebius.setBehavior(undefined);
  deepinfra.setBehavior(undefined);
  nebius.requests.length = 0;
  deepinfra.requests.length = 0;
});
afterAll(async () => {
  await gw.close();
  await nebius.close();
  await deepinfra.close();
});

const ask = { messages: [{ role: "user" as const, content: "hello" }] };

describe("alias fallback", () => {
  it("serves llama-70b from the second target when the first returns 500, streaming and not", async () => {
    nebius.setBehavior({ status: 500 });
    const { data, response } = await client.chat.completions
      .create({ model: "llama-70b", ...ask })
      .withResponse();
    expect(response.headers.get("x-gateway-provider")).toBe("deepinfra");
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(nebius.requests).toHaveLength(1);
    expect(deepinfra.requests[0]!.body.model).toBe("meta-llama/Meta-Llama-3.1-70B-Instruct");

    const stream = await client.chat.completions.create({ model: "llama-70b", ...ask, stream: true });
    let text = "";
    for await (const chunk of stream)
      text += ZChatCompletionChunk.parse(chunk).choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    // The gateway always asks upstreams for usage, whatever the client asked.
    expect(deepinfra.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
  });

  it("falls back when the first target times out", async () => {
    nebius.setBehavior({ headersDelayMs: 1500 });
    const { response } = await client.chat.completions.create({ model: "fast-llama", ...ask }).withResponse();
    expect(response.headers.get("x-gateway-provider")).toBe("deepinfra");
  });

  it("waits out a short Retry-After on the same target before falling back", async () => {
    let calls = 0;
    nebius.setBehavior(() => (++calls === 1 ? { status: 429, retryAfter: "0" } : undefined));
    const { response } = await client.chat.completions.create({ model: "fast-llama", ...ask }).withResponse();
    expect(response.headers.get("x-gateway-provider")).toBe("nebius");
    expect(nebius.requests).toHaveLength(2);
    expect(deepinfra.requests).toHaveLength(0);
  });

  it("does not fall back on what the route does not list, and maps the failure", async () => {
    nebius.setBehavior({ status: 400, error: { message: "bad field foo", param: "foo" } });
    const error = await client.chat.completions
      .create({ model: "fast-llama", ...ask })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("foo");
    expect(deepinfra.requests).toHaveLength(0);

    nebius.setBehavior({ status: 502 });
    deepinfra.setBehavior({ status: 503 });
    const both = await client.chat.completions
      .create({ model: "fast-llama", ...ask })
      .catch((e: unknown) => e);
    expect((both as { status: number }).status).toBe(503);
    expect(JSON.stringify((both as { error: unknown }).error)).not.toContain("secret");
  });

  it("skips a target whose circuit is open", async () => {
    const local = await startGateway(
      {
        NEBIUS_API_KEY: "k",
        NEBIUS_BASE_URL: nebius.url,
        DEEPINFRA_API_KEY: "k",
        DEEPINFRA_BASE_URL: deepinfra.url,
      },
      gw.db,
    );
    try {
      const c = new OpenAI({ apiKey: local.key, baseURL: local.baseURL, maxRetries: 0 });
      nebius.setBehavior({ status: 500 });
      for (let i = 0; i < 5; i++) await c.chat.completions.create({ model: "llama-8b", ...ask });
      expect(nebius.requests).toHaveLength(5);
      const { response } = await c.chat.completions.create({ model: "llama-8b", ...ask }).withResponse();
      expect(response.headers.get("x-gateway-provider")).toBe("deepinfra");
      expect(nebius.requests).toHaveLength(5);
    } finally {
      await local.close();
    }
  });
});

describe("streams after the first byte", () => {
  it("ends a stream that breaks mid-way with an error event, never a fake [DONE], and does not fall back", async () => {
    nebius.setBehavior({ resetAfterChunks: 3, chunks: 10 });
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fast-llama", ...ask, stream: true }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain("[DONE]");
    const events = text
      .trim()
      .split("\n\n")
      .map((e) => JSON.parse(e.replace(/^data: /, "")));
    expect(events.at(-1)).toMatchObject({ error: { code: "upstream_error", type: "server_error" } });
    expect(deepinfra.requests).toHaveLength(0);

    // The official SDK surfaces it as an error, not a silently short answer.
    const stream = await client.chat.completions.create({ model: "fast-llama", ...ask, stream: true });
    await expect(async () => {
      for await (const _ of stream) {
      }
    }).rejects.toThrow();
  });

  it("ends a stream whose upstream stalls mid-way with a timeout error event, and cancels the upstream", async () => {
    nebius.setBehavior({ chunks: 10, chunkDelayMs: 2_000 });
    const started = Date.now();
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fast-llama", ...ask, stream: true }),
    });
    const text = await response.text();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(text).not.toContain("[DONE]");
    expect(text.trim().split("\n\n").at(-1)).toContain('"code":"timeout"');
    expect(await nebius.requests.at(-1)!.done).toBe("client_closed");
  });

  it("cancels the upstream call when the client disconnects", async () => {
    nebius.setBehavior({ chunks: 200, chunkDelayMs: 20 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "fast-llama", ...ask, stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const _ of stream) if (++seen === 3) controller.abort();
    } catch {}
    const outcome = await nebius.requests.at(-1)!.done;
    expect(outcome).toBe("client_closed");
  });

  it("passes unknown request fields through to OpenAI-compatible upstreams", async () => {
    await client.chat.completions.create({
      model: "fast-llama",
      ...ask,
      top_k: 5,
      repetition_penalty: 1.1,
    } as never);
    expect(nebius.requests[0]!.body).toMatchObject({ top_k: 5, repetition_penalty: 1.1 });
    expect(nebius.requests[0]!.headers.authorization).toBe("Bearer nebius-secret-key");
  });
});

describe("configuration", () => {
  it("refuses invalid routing configuration at start-up, naming the field", async () => {
    const build = (env: Record<string, string>) => () => buildRouting(parseInferenceEnv(env));
    expect(build({ MINI_LLM_ROUTING: JSON.stringify([{ alias: "x", targets: [] }]) })).toThrow(
      /MINI_LLM_ROUTING: \[0\]\.targets/,
    );
    expect(
      build({
        MINI_LLM_ROUTING: JSON.stringify([{ alias: "x", targets: [{ provider: "nope", model: "m" }] }]),
      }),
    ).toThrow(/unknown provider "nope"/);
    expect(build({ MINI_LLM_PROVIDERS: "[{" })).toThrow(/MINI_LLM_PROVIDERS: not JSON/);
    expect(
      build({ MINI_LLM_PROVIDERS: JSON.stringify([{ id: "vllm", baseUrl: "ftp://x", models: [] }]) }),
    ).toThrow(/MINI_LLM_PROVIDERS: \[0\]\.baseUrl/);
    // Seed-style providers register only with their key, and serve their models by bare id.
    const routing = buildRouting(
      parseInferenceEnv({
        MINI_LLM_PROVIDERS: JSON.stringify([
          {
            id: "vllm",
            baseUrl: "http://127.0.0.1:9",
            endpoints: { chat: "/v1/chat/completions" },
            models: ["qwen-7b"],
          },
          { id: "ollama", baseUrl: "http://127.0.0.1:9/v1", models: ["llama3"] },
        ]),
        VLLM_API_KEY: "k",
      }),
    );
    expect(routing.registry.get("vllm")).toBeDefined();
    expect(routing.registry.get("ollama")).toBeUndefined();
    expect(routing.table.resolve("qwen-7b")).toMatchObject({ ok: true });
  });
});

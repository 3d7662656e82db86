// What clients of the two newer dialects rely on beyond the SDK calls: Claude Code's own request
// (its headers, ?beta=true, thinking, cache control, bare model names), Anthropic's rate-limit
// headers and model list, cache tokens priced, no credit as 402, client aborts mid-stream, and a
// load of every dialect at once with rows = requests and no gateway key ever reaching an upstream.
import Anthropic from "@anthropic-ai/sdk";
import { hashApiKey } from "@gw/db";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, startGateway, type TestGateway } from "./support/gateway.ts";
import type { MockAnthropic } from "./support/mock-anthropic.ts";
import type { MockOpenAI } from "./support/mock-openai.ts";
import { type MockedProviders, startWithMockedProviders } from "./support/mocked-providers.ts";

let mocked: MockedProviders;
let gw: TestGateway;
let anthropic: MockAnthropic;
let openai: MockOpenAI;

beforeAll(async () => {
  mocked = await startWithMockedProviders();
  ({ gw, anthropic, openai } = mocked);
});
afterAll(() => mocked.close());
beforeEach(() => mocked.reset());

const recordOf = (requestId: string) =>
  eventually(() => gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined));

/** A request as Claude Code sends it (headers and body shape of its CLI). */
function claudeCodeRequest(model: string, key = gw.key): Promise<Response> {
  return fetch(`${gw.url}/v1/messages?beta=true`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
      "anthropic-dangerous-direct-browser-access": "true",
      "x-app": "cli",
      "user-agent": "claude-cli/2.0.0 (external, cli)",
      "content-type": "application/json",
      accept: "application/json",
    },
    body: JSON.stringify({
      model,
      max_tokens: 32000,
      stream: true,
      thinking: { type: "enabled", budget_tokens: 10000 },
      metadata: { user_id: "user_abc_account__session_123" },
      system: [
        { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." },
        { type: "text", text: "Long project instructions.", cache_control: { type: "ephemeral" } },
      ],
      tools: [
        {
          name: "Read",
          description: "Reads a file",
          input_schema: {
            type: "object",
            properties: { file_path: { type: "string" } },
            required: ["file_path"],
          },
        },
      ],
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "What is in README.md?", cache_control: { type: "ephemeral" } }],
        },
      ],
    }),
  });
}

/** The `event:` names of an SSE body, in order. */
const eventNames = (text: string) => [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);

describe("Claude Code", () => {
  it("streams from an Anthropic model by its bare name, with its betas, thinking and cache control passed on", async () => {
    const before = anthropic.requests.length;
    const response = await claudeCodeRequest("claude-sonnet-4-5");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = eventNames(await response.text());
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");

    const sent = anthropic.requests[before]!;
    expect(sent.headers["anthropic-beta"]).toBe("claude-code-20250219,interleaved-thinking-2025-05-14");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.body).toMatchObject({
      model: "claude-sonnet-4-5",
      thinking: { type: "enabled", budget_tokens: 10000 },
      metadata: { user_id: "user_abc_account__session_123" },
    });
    expect((sent.body.system as unknown[])[1]).toEqual({
      type: "text",
      text: "Long project instructions.",
      cache_control: { type: "ephemeral" },
    });
    expect(JSON.stringify(sent.headers)).not.toContain(gw.key);

    const record = await recordOf(response.headers.get("request-id")!);
    expect(record).toMatchObject({ endpoint: "messages", provider: "anthropic", model: "claude-sonnet-4-5" });
    expect(record.costMicros).toBeGreaterThan(0n);
  });

  it("is served by an OpenAI model too: thinking is accepted, the answer is Anthropic's stream", async () => {
    const response = await claudeCodeRequest("gpt-4o");
    expect(response.status).toBe(200);
    const events = eventNames(await response.text());
    expect(events.slice(0, 2)).toEqual(["message_start", "ping"]);
    expect(events.at(-1)).toBe("message_stop");
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toContain("/chat/completions");
    expect(sent.body.thinking).toBeUndefined();
  });
});

describe("Anthropic's conventions around the call", () => {
  it("sends anthropic-ratelimit-* headers for a limited key, and its 429 as rate_limit_error", async () => {
    const key = await gw.newKey({ rpmLimit: 2 });
    const client = new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0 });
    const { response } = await client.messages
      .create({ model: "gpt-4o", max_tokens: 20, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("2");
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    expect(Date.parse(response.headers.get("anthropic-ratelimit-requests-reset")!)).toBeGreaterThan(0);

    await client.messages.create({
      model: "gpt-4o",
      max_tokens: 20,
      messages: [{ role: "user", content: "Hi" }],
    });
    const limited = await client.messages
      .create({ model: "gpt-4o", max_tokens: 20, messages: [{ role: "user", content: "Hi" }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    const error = limited as InstanceType<typeof Anthropic.APIError>;
    expect(error.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(error.headers?.get("anthropic-ratelimit-requests-remaining")).toBe("0");
  });

  it("lists models in Anthropic's shape for a request with anthropic-version", async () => {
    const client = new Anthropic({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model.type).toBe("model");
      ids.push(model.id);
    }
    expect(ids).toContain("claude-sonnet");
    expect(ids).toContain("anthropic/claude-sonnet-4-5");
    const one = await client.models.retrieve("claude-sonnet");
    expect(one).toMatchObject({ type: "model", id: "claude-sonnet" });
  });

  it("prices cache reads and writes, and reports them in every dialect", async () => {
    anthropic.setBehavior({ usage: { cacheRead: 1000, cacheCreation: 200 } });
    const client = new Anthropic({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 });
    const { data: message, response } = await client.messages
      .create({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(message.usage).toMatchObject({ cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 });
    const record = await recordOf(response.headers.get("request-id")!);
    expect(record).toMatchObject({ cachedInputTokens: 1000, cacheWriteTokens: 200 });
    expect(record.inputTokens).toBe(message.usage.input_tokens + 1200);
    // $3.00 per million uncached, $0.30 cached, $3.75 cache write (the seeded price), rounded up.
    const uncached = BigInt(message.usage.input_tokens);
    expect(record.inputCostMicros).toBe(
      (uncached * 3_000_000n + 1000n * 300_000n + 200n * 3_750_000n + 999_999n) / 1_000_000n,
    );

    const openaiClient = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
    const viaResponses = await openaiClient.responses.create({ model: "claude-sonnet-4-5", input: "Hi" });
    expect(viaResponses.usage!.input_tokens_details.cached_tokens).toBe(1000);
    // OpenAI's input_tokens include the cache, Anthropic's do not.
    expect(viaResponses.usage!.input_tokens).toBeGreaterThan(1200);
    expect(viaResponses.usage!.input_tokens_details.cache_write_tokens).toBe(200);
  });

  it("answers 402 billing_error when the organization has no credit, and charges nothing", async () => {
    const broke = await startGateway({}, { db: gw.db, creditMicros: 0n });
    try {
      const client = new Anthropic({ apiKey: broke.key, baseURL: broke.url, maxRetries: 0 });
      const error = await client.messages
        .create({ model: "demo/demo-chat", max_tokens: 20, messages: [{ role: "user", content: "Hi" }] })
        .catch((e: unknown) => e);
      expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        error: { type: "billing_error" },
      });
    } finally {
      await broke.close();
    }
  });
});

describe("a client that goes away mid-stream", () => {
  it.each([
    ["messages", "anthropic/claude-sonnet-4-5"],
    ["messages", "openai/gpt-4o-mini"],
    ["responses", "openai/gpt-4o-mini"],
    ["responses", "anthropic/claude-sonnet-4-5"],
  ] as const)(
    "leaves one usage record for %s on %s, and its reservation settled",
    async (endpoint, model) => {
      anthropic.setBehavior({ eventDelayMs: 200 });
      openai.setBehavior({ chunkDelayMs: 200, chunks: 40 });
      const controller = new AbortController();
      const body =
        endpoint === "messages"
          ? { model, max_tokens: 500, stream: true, messages: [{ role: "user", content: "Hi" }] }
          : { model, max_output_tokens: 500, stream: true, input: "Hi" };
      const response = await fetch(`${gw.url}/v1/${endpoint}`, {
        method: "POST",
        headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const requestId = response.headers.get("x-request-id")!;
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      const record = await recordOf(requestId);
      expect(record).toMatchObject({ endpoint, outcome: "cancelled", stream: true });
      await eventually(async () =>
        (await gw.internal.credits.reserved.query({ orgId: gw.orgId })).reservedMicros === 0n
          ? true
          : undefined,
      );
    },
  );
});

describe("control fields", () => {
  it("refuses a body that sets credentials or endpoints, in every dialect, and forwards nothing", async () => {
    const secret = "sk-client-own-secret-123";
    const refused: string[] = [];
    const before = { openai: openai.requests.length, anthropic: anthropic.requests.length };
    const bodies = {
      "chat/completions": { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] },
      completions: { model: "nebius/meta-llama/Meta-Llama-3.1-70B-Instruct", prompt: "Hi" },
      embeddings: { model: "openai/text-embedding-3-small", input: "Hi" },
      responses: { model: "claude-sonnet", input: "Hi" },
      messages: { model: "claude-sonnet", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] },
    };
    for (const [path, body] of Object.entries(bodies)) {
      for (const [field, value] of [
        ["api_key", secret],
        ["base_url", "http://169.254.169.254/"],
        ["extra_headers", { authorization: `Bearer ${secret}` }],
        ["organization", "org-someone-else"],
      ] as const) {
        const response = await fetch(`${gw.baseURL}/${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
          body: JSON.stringify({ ...body, [field]: value }),
        });
        expect(response.status, `${path} with ${field}`).toBe(400);
        const text = await response.text();
        expect(text).toContain(field);
        expect(text).not.toContain(secret);
        refused.push(response.headers.get("x-request-id")!);
      }
    }
    // Every refusal is on record, as a client error that cost nothing.
    for (const requestId of refused) {
      const record = await recordOf(requestId);
      expect(record).toMatchObject({
        outcome: "client_error",
        httpStatus: 400,
        costMicros: 0n,
        provider: null,
      });
    }
    expect((await gw.internal.credits.reserved.query({ orgId: gw.orgId })).reservedMicros).toBe(0n);
    expect(openai.requests.length).toBe(before.openai);
    expect(anthropic.requests.length).toBe(before.anthropic);
  });
});

describe("bounded request shapes", () => {
  it("refuses more messages than the gateway takes, naming the field, recorded, forwarding nothing", async () => {
    const before = { openai: openai.requests.length, anthropic: anthropic.requests.length };
    const many = Array.from({ length: 10_001 }, () => ({ role: "user", content: "Hi" }));
    const requests = [
      ["chat/completions", { model: "gpt-4o", messages: many }, "messages"],
      ["messages", { model: "claude-sonnet", max_tokens: 10, messages: many }, "messages"],
      ["responses", { model: "gpt-4o", input: many }, "input"],
    ] as const;
    for (const [path, body, param] of requests) {
      const response = await fetch(`${gw.baseURL}/${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(param);
      const record = await recordOf(response.headers.get("x-request-id")!);
      expect(record).toMatchObject({ outcome: "client_error", httpStatus: 400, costMicros: 0n });
    }
    expect(openai.requests.length).toBe(before.openai);
    expect(anthropic.requests.length).toBe(before.anthropic);
  });
});

describe("every dialect under load", () => {
  it("writes one usage record per request, and never sends the gateway key upstream", async () => {
    const key = await gw.newKey();
    const openaiClient = new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0 });
    const anthropicClient = new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0 });
    const models = [
      "openai/gpt-4o-mini",
      "anthropic/claude-sonnet-4-5",
      "nebius/meta-llama/Meta-Llama-3.1-70B-Instruct",
    ];
    const before = { openai: openai.requests.length, anthropic: anthropic.requests.length };
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      const model = models[i % models.length]!;
      const stream = i % 2 === 0;
      calls.push(
        stream
          ? openaiClient.chat.completions
              .create({ model, messages: [{ role: "user", content: `chat ${i}` }], stream: true })
              .then(async (chunks) => {
                for await (const _ of chunks);
              })
          : openaiClient.chat.completions.create({
              model,
              messages: [{ role: "user", content: `chat ${i}` }],
            }),
        stream
          ? openaiClient.responses.stream({ model, input: `responses ${i}` }).finalResponse()
          : openaiClient.responses.create({ model, input: `responses ${i}` }),
        stream
          ? anthropicClient.messages
              .stream({ model, max_tokens: 100, messages: [{ role: "user", content: `messages ${i}` }] })
              .finalMessage()
          : anthropicClient.messages.create({
              model,
              max_tokens: 100,
              messages: [{ role: "user", content: `messages ${i}` }],
            }),
      );
    }
    const settled = await Promise.allSettled(calls);
    const failed = settled.filter((s) => s.status === "rejected");
    expect(failed).toEqual([]);

    const keyRow = await gw.db.prisma.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(key) } });
    const where = { apiKeyId: keyRow.id };
    const counts = await eventually(async () => {
      const rows = await gw.db.prisma.usageRecord.groupBy({ by: ["endpoint"], where, _count: true });
      const byEndpoint = Object.fromEntries(rows.map((row) => [row.endpoint, row._count]));
      return byEndpoint["chat.completions"] === 30 &&
        byEndpoint.responses === 30 &&
        byEndpoint.messages === 30
        ? byEndpoint
        : undefined;
    }, 30_000);
    expect(counts).toEqual({ "chat.completions": 30, responses: 30, messages: 30 });

    const upstream = [...openai.requests.slice(before.openai), ...anthropic.requests.slice(before.anthropic)];
    expect(upstream.length).toBe(90);
    for (const request of upstream) {
      expect(JSON.stringify(request.headers)).not.toContain(key);
      expect(JSON.stringify(request.body)).not.toContain(key);
    }
  });
});

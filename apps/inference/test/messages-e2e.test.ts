// POST /v1/messages through the official @anthropic-ai/sdk, as Claude Code and Anthropic SDK users
// call it: an Anthropic model (passed through), an OpenAI model and an alias (translated), against
// the local mock upstreams. Each request leaves one usage record, named `messages`, charged.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, type TestGateway } from "./support/gateway.ts";
import type { MockAnthropic } from "./support/mock-anthropic.ts";
import type { MockOpenAI } from "./support/mock-openai.ts";
import { type MockedProviders, startWithMockedProviders } from "./support/mocked-providers.ts";

let anthropic: MockAnthropic;
let openai: MockOpenAI;
let gw: TestGateway;
let client: Anthropic;

let mocked: MockedProviders;

beforeAll(async () => {
  mocked = await startWithMockedProviders();
  ({ gw, anthropic, openai } = mocked);
  client = new Anthropic({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 });
});
afterAll(() => mocked.close());
beforeEach(() => mocked.reset());

const recordOf = (requestId: string) =>
  eventually(() => gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined));

const tools: Anthropic.Tool[] = [
  {
    name: "get_weather",
    description: "Weather in a city",
    input_schema: { type: "object", properties: { city: { type: "string" } } },
  },
  { name: "get_time", input_schema: { type: "object", properties: {} } },
];

const MODELS = [
  ["anthropic/claude-3-5-haiku-20241022", "anthropic"],
  ["openai/gpt-4o-mini", "openai"],
  ["claude-sonnet", "anthropic"],
  ["gpt-4o", "openai"],
  ["nebius/meta-llama/Meta-Llama-3.1-70B-Instruct", "nebius"],
] as const;

describe.each(MODELS)("%s through the Anthropic SDK", (model, provider) => {
  it("answers a message with usage, recorded once and charged", async () => {
    const { data: message, response } = await client.messages
      .create({ model, max_tokens: 200, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.stop_reason).toBe("end_turn");
    const text = message.content.find((block) => block.type === "text");
    expect(text?.type === "text" && text.text.length).toBeGreaterThan(0);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get("request-id")!;
    expect(requestId).toBe(response.headers.get("x-request-id"));
    expect(response.headers.get("x-gateway-provider")).toBe(provider);
    const record = await recordOf(requestId);
    expect(record).toMatchObject({
      endpoint: "messages",
      provider,
      outcome: "success",
      usageEstimated: false,
      outputTokens: message.usage.output_tokens,
    });
    expect(record.costMicros).toBeGreaterThan(0n);
  });

  it("streams named events the SDK assembles into the same message", async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 200,
      messages: [{ role: "user", content: "Hi" }],
    });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(types).toContain("content_block_delta");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const requestId = (await stream.withResponse()).response.headers.get("request-id")!;
    const record = await recordOf(requestId);
    expect(record).toMatchObject({ endpoint: "messages", stream: true, outcome: "success", provider });
    expect(record.outputTokens).toBe(message.usage.output_tokens);
  });

  it("calls tools in parallel, streamed and not, and takes their results back", async () => {
    const ask: Anthropic.MessageParam = { role: "user", content: "Weather and time in Paris?" };
    const message = await client.messages.create({ model, max_tokens: 300, tools, messages: [ask] });
    expect(message.stop_reason).toBe("tool_use");
    const uses = message.content.filter((block) => block.type === "tool_use");
    expect(uses.map((use) => use.name)).toEqual(["get_weather", "get_time"]);

    const streamed = await client.messages
      .stream({ model, max_tokens: 300, tools, messages: [ask] })
      .finalMessage();
    expect(streamed.stop_reason).toBe("tool_use");
    expect(streamed.content.filter((block) => block.type === "tool_use").map((use) => use.name)).toEqual([
      "get_weather",
      "get_time",
    ]);

    const followUp = await client.messages.create({
      model,
      max_tokens: 300,
      tools,
      tool_choice: { type: "none" },
      messages: [
        ask,
        { role: "assistant", content: message.content },
        {
          role: "user",
          content: uses.map((use) => ({
            type: "tool_result" as const,
            tool_use_id: use.id,
            content: "sunny, 14:00",
          })),
        },
      ],
    });
    expect(followUp.stop_reason).toBe("end_turn");
  });

  it("stops at max_tokens with stop_reason max_tokens, streamed and not", async () => {
    anthropic.setBehavior({ stopReason: "max_tokens" });
    openai.setBehavior({ chunks: 40 });
    const params = { model, max_tokens: 16, messages: [{ role: "user" as const, content: "A long story." }] };
    const message = await client.messages.create(params);
    expect(message.stop_reason).toBe("max_tokens");
    const streamed = await client.messages.stream(params).finalMessage();
    expect(streamed.stop_reason).toBe("max_tokens");
  });

  it("counts tokens without charging", async () => {
    const { data: counted, response: countResponse } = await client.messages
      .countTokens({
        model,
        system: "Be brief.",
        messages: [{ role: "user", content: "How many tokens is this?" }],
      })
      .withResponse();
    expect(counted.input_tokens).toBeGreaterThan(0);
    // A request after it is recorded; the count never is.
    const { response } = await client.messages
      .create({ model, max_tokens: 50, messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    await recordOf(response.headers.get("request-id")!);
    const countId = countResponse.headers.get("request-id")!;
    expect(await gw.db.prisma.usageRecord.findUnique({ where: { requestId: countId } })).toBeNull();
  });
});

describe("Messages API errors, in Anthropic's shape", () => {
  it("refuses a bad key with 401 authentication_error, with x-api-key or a bearer token", async () => {
    for (const bad of [
      new Anthropic({ apiKey: "sk-gw-nope", baseURL: gw.url, maxRetries: 0 }),
      new Anthropic({ apiKey: null, authToken: "sk-gw-nope", baseURL: gw.url, maxRetries: 0 }),
    ]) {
      const error = await bad.messages
        .create({ model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: "error",
        error: { type: "authentication_error" },
      });
    }
    // The right key as a bearer token works too.
    const bearer = new Anthropic({ apiKey: null, authToken: gw.key, baseURL: gw.url, maxRetries: 0 });
    const message = await bearer.messages.create({
      model: "gpt-4o",
      max_tokens: 10,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(message.type).toBe("message");
  });

  it("answers 404 not_found_error for an unknown model and 400 for a body without max_tokens", async () => {
    const unknown = await client.messages
      .create({ model: "claude-nonexistent-9", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "not_found_error" },
    });

    const response = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": gw.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(body.error.message).toContain("max_tokens");
  });

  it("answers an upstream overload as 529 overloaded_error, before and during a stream", async () => {
    anthropic.setBehavior({ status: 529 });
    const before = await client.messages
      .create({
        model: "anthropic/claude-3-5-haiku-20241022",
        max_tokens: 10,
        messages: [{ role: "user", content: "Hi" }],
      })
      .catch((e: unknown) => e);
    expect((before as InstanceType<typeof Anthropic.APIError>).status).toBe(529);

    anthropic.setBehavior({ streamErrorAfterEvents: 3 });
    const during = await client.messages
      .stream({
        model: "anthropic/claude-3-5-haiku-20241022",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(during).toBeInstanceOf(Anthropic.APIError);
    expect(String((during as Error).message)).toContain("overloaded");
  });

  it("passes the client's anthropic-beta and cache_control blocks through to Anthropic", async () => {
    const before = anthropic.requests.length;
    await client.beta.messages.create({
      model: "anthropic/claude-3-5-haiku-20241022",
      max_tokens: 20,
      betas: ["prompt-caching-2024-07-31"],
      system: [{ type: "text", text: "A long system prompt.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "Hi" }],
    });
    const sent = anthropic.requests[before]!;
    expect(sent.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(sent.body.system).toEqual([
      { type: "text", text: "A long system prompt.", cache_control: { type: "ephemeral" } },
    ]);
    // The gateway's own key goes upstream, never the client's.
    expect(JSON.stringify(sent.headers)).not.toContain(gw.key);
  });
});

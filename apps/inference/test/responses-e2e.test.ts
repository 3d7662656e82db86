// POST /v1/responses through the official openai SDK (`responses.create`, `responses.stream` and
// its finalResponse()), as the SDK's users, Codex-style agents and the AI SDK call it: an OpenAI
// model (the upstream's Responses API), an Anthropic model and aliases (translated to chat), against
// the local mock upstreams. Each request leaves one usage record, named `responses`, charged.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, startGateway, type TestGateway } from "./support/gateway.ts";
import type { MockAnthropic } from "./support/mock-anthropic.ts";
import type { MockOpenAI } from "./support/mock-openai.ts";
import { type MockedProviders, startWithMockedProviders } from "./support/mocked-providers.ts";

let anthropic: MockAnthropic;
let openai: MockOpenAI;
let gw: TestGateway;
let client: OpenAI;

let mocked: MockedProviders;

beforeAll(async () => {
  mocked = await startWithMockedProviders();
  ({ gw, anthropic, openai } = mocked);
  client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
});
afterAll(() => mocked.close());
beforeEach(() => mocked.reset());

const recordOf = (requestId: string) =>
  eventually(() => gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined));

const tools: OpenAI.Responses.FunctionTool[] = [
  {
    type: "function",
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
    strict: false,
  },
  { type: "function", name: "get_time", parameters: { type: "object", properties: {} }, strict: false },
];

const MODELS = [
  ["openai/gpt-4o-mini", "openai"],
  ["anthropic/claude-3-5-haiku-20241022", "anthropic"],
  ["gpt-4o", "openai"],
  ["claude-sonnet", "anthropic"],
  ["nebius/meta-llama/Meta-Llama-3.1-70B-Instruct", "nebius"],
] as const;

describe.each(MODELS)("%s through responses.create", (model, provider) => {
  it("answers text with usage, recorded once and charged", async () => {
    const { data: response, response: http } = await client.responses
      .create({ model, instructions: "Be brief.", input: "Hi" })
      .withResponse();
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.usage!.input_tokens).toBeGreaterThan(0);
    expect(response.usage!.output_tokens).toBeGreaterThan(0);
    expect(http.headers.get("x-gateway-provider")).toBe(provider);
    const record = await recordOf(http.headers.get("x-request-id")!);
    expect(record).toMatchObject({
      endpoint: "responses",
      provider,
      outcome: "success",
      usageEstimated: false,
      outputTokens: response.usage!.output_tokens,
    });
    expect(record.costMicros).toBeGreaterThan(0n);
    // The gateway keeps the conversation itself: the upstream is never asked to store it.
    if (provider === "openai") expect(openai.requests.at(-1)!.body.store).toBe(false);
  });

  it("streams OpenAI's events in order, which the SDK assembles into the response", async () => {
    const stream = client.responses.stream({ model, input: [{ role: "user", content: "Hi" }] });
    const types: string[] = [];
    const sequence: number[] = [];
    stream.on("event", (event) => {
      types.push(event.type);
      sequence.push(event.sequence_number);
    });
    const response = await stream.finalResponse();
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types).toContain("response.output_text.delta");
    expect(types.at(-1)).toBe("response.completed");
    expect(sequence).toEqual(sequence.map((_, i) => i));
    expect(response.status).toBe("completed");
    expect(response.output_text.length).toBeGreaterThan(0);

    // The same stream, read raw: one usage record, with the usage of the closing event.
    const { data: events, response: http } = await client.responses
      .create({ model, input: "Hi", stream: true })
      .withResponse();
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of events) if (event.type === "response.completed") usage = event.response.usage;
    const record = await recordOf(http.headers.get("x-request-id")!);
    expect(record).toMatchObject({ endpoint: "responses", stream: true, outcome: "success", provider });
    expect(record.outputTokens).toBe(usage!.output_tokens);
  });

  it("calls functions in parallel, streamed and not, and takes their outputs back", async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [
      { role: "user", content: "Weather and time in Paris?" },
    ];
    const response = await client.responses.create({ model, tools, input });
    const calls = response.output.filter((item) => item.type === "function_call");
    expect(calls.map((call) => call.name)).toEqual(["get_weather", "get_time"]);

    const streamed = await client.responses.stream({ model, tools, input }).finalResponse();
    expect(streamed.output.filter((item) => item.type === "function_call").map((call) => call.name)).toEqual([
      "get_weather",
      "get_time",
    ]);

    const followUp = await client.responses.create({
      model,
      tools,
      tool_choice: "none",
      input: [
        ...input,
        ...calls,
        ...calls.map((call) => ({
          type: "function_call_output" as const,
          call_id: call.call_id,
          output: "sunny",
        })),
      ],
    });
    expect(followUp.status).toBe("completed");
    expect(followUp.output_text.length).toBeGreaterThan(0);
  });

  it("stops at max_output_tokens as incomplete, streamed and not", async () => {
    openai.setBehavior({ chunks: 40 });
    anthropic.setBehavior({ stopReason: "max_tokens" });
    const cut = await client.responses.create({
      model,
      input: "Tell me a long story.",
      max_output_tokens: 16,
    });
    expect(cut.status).toBe("incomplete");
    expect(cut.incomplete_details).toEqual({ reason: "max_output_tokens" });

    const types: string[] = [];
    const stream = client.responses.stream({ model, input: "Tell me a long story.", max_output_tokens: 16 });
    stream.on("event", (event) => types.push(event.type));
    const streamed = await stream.finalResponse();
    expect(streamed.status).toBe("incomplete");
    expect(types.at(-1)).toBe("response.incomplete");
  });

  it("counts input tokens without charging", async () => {
    const { data: counted, response: http } = await client.responses.inputTokens
      .count({ model, input: "How many tokens is this?" })
      .withResponse();
    expect(counted.input_tokens).toBeGreaterThan(0);
    const after = await client.responses.create({ model, input: "Hi" }).withResponse();
    await recordOf(after.response.headers.get("x-request-id")!);
    const countId = http.headers.get("x-request-id")!;
    expect(await gw.db.prisma.usageRecord.findUnique({ where: { requestId: countId } })).toBeNull();
  });
});

describe("Responses API errors, in OpenAI's envelope", () => {
  it("answers 404 model_not_found for an unknown model and 401 for a bad key", async () => {
    const unknown = await client.responses
      .create({ model: "no-such-model", input: "Hi" })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_found");

    const bad = new OpenAI({ apiKey: "sk-gw-nope", baseURL: gw.baseURL, maxRetries: 0 });
    await expect(bad.responses.create({ model: "gpt-4o", input: "Hi" })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it("refuses a built-in tool on a model that cannot run it, naming the parameter", async () => {
    const error = await client.responses
      .create({
        model: "anthropic/claude-3-5-haiku-20241022",
        input: "Search the web",
        tools: [{ type: "web_search" }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toMatch(/^tools/);
  });

  it("passes an upstream rate limit on as 429, and fails a stream with OpenAI's error event", async () => {
    openai.setBehavior({ status: 429, retryAfter: "3" });
    const limited = await client.responses
      .create({ model: "openai/gpt-4o-mini", input: "Hi" })
      .catch((e: unknown) => e);
    expect((limited as InstanceType<typeof OpenAI.APIError>).status).toBe(429);

    // OpenAI's own Responses stream failing mid-way: the client gets OpenAI's error event.
    openai.setBehavior({
      streamErrorAfterChunks: 4,
      error: { message: "The server had an error", type: "server_error" },
    });
    const passedFailure = await client.responses
      .stream({ model: "openai/gpt-4o-mini", input: "Hi" })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(passedFailure).toBeInstanceOf(Error);

    anthropic.setBehavior({ streamErrorAfterEvents: 3 });
    const failed = await client.responses
      .stream({ model: "anthropic/claude-3-5-haiku-20241022", input: "Hi" })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(String((failed as Error).message)).toMatch(/overloaded/i);
  });
});

describe("conversations the gateway keeps: previous_response_id and item_reference", () => {
  const ask: OpenAI.Responses.ResponseInputItem = { role: "user", content: "Weather and time in Paris?" };

  it("continues a conversation on another provider, with the function outputs, streamed or not", async () => {
    const first = await client.responses.create({ model: "openai/gpt-4o-mini", tools, input: [ask] });
    const calls = first.output.filter((item) => item.type === "function_call");
    expect(calls).toHaveLength(2);
    const outputs = calls.map((call) => ({
      type: "function_call_output" as const,
      call_id: call.call_id,
      output: "sunny",
    }));

    const before = anthropic.requests.length;
    const second = await client.responses.create({
      model: "anthropic/claude-3-5-haiku-20241022",
      tools,
      tool_choice: "none",
      previous_response_id: first.id,
      input: outputs,
    });
    expect(second.status).toBe("completed");
    expect(second.previous_response_id).toBe(first.id);
    // Anthropic was sent the whole conversation: the question, both tool uses and both results.
    const sent = JSON.stringify(anthropic.requests[before]!.body.messages);
    expect(sent).toContain("Weather and time in Paris?");
    for (const call of calls) expect(sent).toContain(call.call_id);

    // A stream's conversation is stored before its closing event: the next request finds it.
    const third = await client.responses
      .stream({ model: "openai/gpt-4o-mini", previous_response_id: second.id, input: "And tomorrow?" })
      .finalResponse();
    expect(third.previous_response_id).toBe(second.id);
    const fourth = await client.responses.create({
      model: "claude-sonnet",
      previous_response_id: third.id,
      input: "Thanks.",
    });
    expect(fourth.status).toBe("completed");
    const last = JSON.stringify(anthropic.requests.at(-1)!.body.messages);
    expect(last).toContain("And tomorrow?");
    expect(last).toContain("Weather and time in Paris?");
    // No upstream is ever asked for a response it would not know.
    for (const request of openai.requests) expect(request.body.previous_response_id).toBeUndefined();
  });

  it("resolves an item_reference to an item of an earlier response", async () => {
    const first = await client.responses.create({ model: "gpt-4o", input: "Say something." });
    const item = first.output.find((entry) => entry.type === "message")!;
    const before = anthropic.requests.length;
    const second = await client.responses.create({
      model: "claude-sonnet",
      input: [
        { type: "item_reference", id: item.id! },
        { role: "user", content: "Repeat it." },
      ],
    });
    expect(second.status).toBe("completed");
    const sent = JSON.stringify(anthropic.requests[before]!.body.messages);
    const text =
      item.type === "message" && item.content[0]!.type === "output_text" ? item.content[0]!.text : "";
    expect(sent).toContain(text);
  });

  it("answers 404 for an id it does not know, another organization's, or one sent with store: false", async () => {
    const notFound = async (request: OpenAI.Responses.ResponseCreateParamsNonStreaming, key = gw.key) => {
      const other = new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0 });
      const error = await other.responses.create(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      return error as InstanceType<typeof OpenAI.APIError>;
    };
    const unknown = await notFound({ model: "gpt-4o", previous_response_id: "resp_nope", input: "Hi" });
    expect(unknown.param).toBe("previous_response_id");
    expect(unknown.message).toContain("resp_nope");
    const missingItem = await notFound({
      model: "gpt-4o",
      input: [{ type: "item_reference", id: "msg_nope" }],
    });
    expect(missingItem.param).toBe("input[0]");

    const unstored = await client.responses.create({ model: "gpt-4o", input: "Hi", store: false });
    await notFound({ model: "gpt-4o", previous_response_id: unstored.id, input: "Again" });

    const mine = await client.responses.create({ model: "gpt-4o", input: "Hi" });
    const otherOrg = await startGateway({}, { db: gw.db });
    try {
      await notFound({ model: "demo/demo-chat", previous_response_id: mine.id, input: "Hi" }, otherOrg.key);
    } finally {
      await otherOrg.close();
    }
  });
});

// OpenAI's Responses API: first the mock upstream, driven with the official SDK to show it speaks the
// real wire format (and refuses what the real API refuses); then the OpenAI adapter's pass-through.
import OpenAI from "openai";
import type { ResponseInput, ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleAdapter } from "../../src/providers/openai-compatible/openai-compatible-adapter.ts";
import { rawJsonOf, sseJsonEvents } from "../../src/providers/sse-json.ts";
import type { ProviderAdapter } from "../../src/providers/types.ts";
import { UpstreamError } from "../../src/providers/types.ts";
import { isAbortError, toUpstreamError } from "../../src/providers/upstream-errors.ts";
import { call, collect, failure, rejection } from "../support/adapter-calls.ts";
import { type MockOpenAI, startMockOpenAI } from "../support/mock-openai.ts";

const API_KEY = "sk-test-0123456789abcdefSECRET";
const TEXT = "Hello from the mock upstream.";
const tools = ["get_weather", "get_time"].map((name) => ({
  type: "function" as const,
  name,
  parameters: { type: "object", properties: {} },
  strict: false,
}));

let mock: MockOpenAI;
let client: OpenAI;
let adapter: ProviderAdapter;

/** The raw SSE body of a streamed request, as the wire carries it. */
async function rawStream(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${mock.url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return response.text();
}

function parseWire(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const [eventLine, dataLine, ...rest] = block.split("\n");
      expect(rest).toEqual([]);
      expect(eventLine).toMatch(/^event: /);
      expect(dataLine).toMatch(/^data: /);
      return { event: eventLine?.slice(7) ?? "", data: JSON.parse(dataLine?.slice(6) ?? "") };
    });
}

beforeAll(async () => {
  mock = await startMockOpenAI();
  client = new OpenAI({ apiKey: API_KEY, baseURL: mock.url, maxRetries: 0 });
  adapter = createOpenAICompatibleAdapter({
    id: "openai",
    kind: "openai",
    apiKey: API_KEY,
    baseURL: mock.url,
  });
});
afterEach(() => {
  mock.setBehavior(undefined);
  mock.requests.length = 0;
});
afterAll(() => mock.close());

describe("mock upstream: the Responses API, through the official SDK", () => {
  it("create: a completed Response echoing the request's settings, with usage", async () => {
    const response = await client.responses.create({
      model: "gpt-4o-mini",
      input: "Say hello",
      instructions: "Be brief.",
      temperature: 0.2,
      store: false,
      metadata: { trace: "t1" },
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response).toMatchObject({
      object: "response",
      status: "completed",
      error: null,
      incomplete_details: null,
      model: "gpt-4o-mini",
      instructions: "Be brief.",
      temperature: 0.2,
      top_p: 1,
      max_output_tokens: null,
      store: false,
      previous_response_id: null,
      tool_choice: "auto",
      tools: [],
      parallel_tool_calls: true,
      text: { format: { type: "text" } },
      metadata: { trace: "t1" },
    });
    expect(response.output_text).toBe(TEXT);
    expect(response.output).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: TEXT, annotations: [], logprobs: [] }],
      },
    ]);
    expect(response.usage).toEqual({
      input_tokens: 3 + 3,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 6,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 12,
    });
    expect(mock.requests[0]).toMatchObject({ method: "POST", path: "/v1/responses" });
    expect(mock.requests[0]?.body.store).toBe(false);
  });

  it("stream on the wire: event lines, sequence numbers from 0, OpenAI's order, no [DONE]", async () => {
    mock.setBehavior({ chunks: 3 });
    const wire = await rawStream({ model: "gpt-4o-mini", input: "Say hello" });
    expect(wire).not.toContain("[DONE]");
    const events = parseWire(wire);
    expect(events.map((e) => e.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    events.forEach((e, i) => {
      expect(e.data.type).toBe(e.event);
      expect(e.data.sequence_number).toBe(i);
    });
    expect(events[0]?.data.response).toMatchObject({ status: "in_progress", output: [], usage: null });
    expect(events[3]?.data.part).toEqual({ type: "output_text", annotations: [], logprobs: [], text: "" });
    expect(events[4]?.data).toMatchObject({ output_index: 0, content_index: 0, delta: "Hello" });
    expect(events[7]?.data.text).toBe("Hello from the");
    expect(events.at(-1)?.data.response).toMatchObject({
      status: "completed",
      usage: { output_tokens: 3 },
      output: [{ type: "message", status: "completed", content: [{ text: "Hello from the" }] }],
    });
  });

  it("responses.stream + finalResponse: the SDK accumulates the mock's events", async () => {
    const stream = client.responses.stream({ model: "gpt-4o-mini", input: "Say hello" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join("")).toBe(TEXT);
    expect(final.status).toBe("completed");
    expect(final.output_text).toBe(TEXT);
    expect(final.usage?.output_tokens).toBe(6);
  });

  it("function tools: two parallel function_call items, streamed too, and a tool round trip", async () => {
    const response = await client.responses.create({ model: "gpt-4o-mini", input: "Weather?", tools });
    expect(response.output).toEqual([
      expect.objectContaining({
        type: "function_call",
        status: "completed",
        name: "get_weather",
        call_id: expect.stringMatching(/^call_/),
        arguments: '{"query":"mock","call":0}',
      }),
      expect.objectContaining({
        type: "function_call",
        name: "get_time",
        arguments: '{"query":"mock","call":1}',
      }),
    ]);

    const stream = client.responses.stream({ model: "gpt-4o-mini", input: "Weather?", tools });
    const argumentDeltas: string[] = [];
    stream.on("response.function_call_arguments.delta", (event) => argumentDeltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(final.output.map((item) => item.type === "function_call" && item.arguments)).toEqual([
      '{"query":"mock","call":0}',
      '{"query":"mock","call":1}',
    ]);
    expect(argumentDeltas.join("")).toBe('{"query":"mock","call":0}{"query":"mock","call":1}');

    const input: ResponseInput = [{ role: "user", content: "Weather?" }];
    for (const item of response.output) {
      if (item.type !== "function_call") continue;
      input.push(item, { type: "function_call_output", call_id: item.call_id, output: "sunny" });
    }
    const answer = await client.responses.create({ model: "gpt-4o-mini", input, tools, tool_choice: "none" });
    expect(answer.output_text).toBe(TEXT);

    const single = await client.responses.create({
      model: "gpt-4o-mini",
      input: "Weather?",
      tools,
      parallel_tool_calls: false,
    });
    expect(single.output).toHaveLength(1);
  });

  it("max_output_tokens below the text: cut there, status incomplete, stream ends with response.incomplete", async () => {
    mock.setBehavior({ chunks: 40 });
    const response = await client.responses.create({ model: "m", input: "Go on", max_output_tokens: 16 });
    expect(response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      max_output_tokens: 16,
      usage: { output_tokens: 16 },
    });
    expect(response.output[0]).toMatchObject({ type: "message", status: "incomplete" });
    expect(response.output_text).toBe(
      `${TEXT}${Array.from({ length: 10 }, (_, i) => ` word${i + 6}`).join("")}`,
    );

    const events = parseWire(await rawStream({ model: "m", input: "Go on", max_output_tokens: 16 }));
    expect(events.filter((e) => e.event === "response.output_text.delta")).toHaveLength(16);
    expect(events.at(-1)).toMatchObject({
      event: "response.incomplete",
      data: { response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } } },
    });
    const final = await client.responses
      .stream({ model: "m", input: "Go on", max_output_tokens: 16 })
      .finalResponse();
    expect(final.status).toBe("incomplete");
  });

  it("input_tokens: counts the input and instructions", async () => {
    const counted = await client.responses.inputTokens.count({
      model: "gpt-4o-mini",
      input: "Say hello",
      instructions: "Be brief.",
    });
    expect(counted).toEqual({ object: "response.input_tokens", input_tokens: 6 });
    expect(mock.requests[0]?.path).toBe("/v1/responses/input_tokens");
  });

  it("refuses what the real API refuses, with OpenAI's error body", async () => {
    const create = (body: Record<string, unknown>) => rejection(client.responses.create(body as never));
    const cases: Array<[Record<string, unknown>, string, string | null, RegExp]> = [
      [
        { model: "m", input: "x", messages: [] },
        "messages",
        "unknown_parameter",
        /^Unknown parameter: 'messages'\.$/,
      ],
      [{ input: "x" }, "model", "missing_required_parameter", /'model'/],
      [{ model: "", input: "x" }, "model", "empty_string", /empty string/],
      [{ model: "m" }, "input", "missing_required_parameter", /'input'/],
      [
        { model: "m", input: "x", max_output_tokens: 8 },
        "max_output_tokens",
        "integer_below_min_value",
        />= 16/,
      ],
      [{ model: "m", input: [{ type: "bogus_item" }] }, "input[0].type", "invalid_value", /'bogus_item'/],
      [
        {
          model: "m",
          input: [
            { role: "user", content: "x" },
            { type: "function_call_output", call_id: "c1", output: "y" },
          ],
        },
        "input",
        null,
        /^No tool call found for function call output with call_id c1\.$/,
      ],
      [
        { model: "m", input: "x", previous_response_id: "resp_unknown" },
        "previous_response_id",
        "previous_response_not_found",
        /^Previous response with id 'resp_unknown' not found\.$/,
      ],
    ];
    for (const [body, param, code, message] of cases) {
      const error = await create(body);
      expect(error, JSON.stringify(body)).toBeInstanceOf(OpenAI.BadRequestError);
      const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
      expect(apiError.error).toMatchObject({ type: "invalid_request_error", param, code });
      expect((apiError.error as { message: string }).message).toMatch(message);
    }
    const reference = await create({ model: "m", input: [{ type: "item_reference", id: "msg_old" }] });
    expect(reference).toBeInstanceOf(OpenAI.NotFoundError);
    // A function_call_output after its function_call is fine.
    const ok = await client.responses.create({
      model: "m",
      input: [
        { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "y" },
      ],
    });
    expect(ok.status).toBe("completed");
  });

  it("echo, usage details and omitted usage apply as on chat", async () => {
    mock.setBehavior({ echo: true, usage: { cachedTokens: 4, reasoningTokens: 5 } });
    const echoed = await client.responses.create({ model: "m", input: "Say hello" });
    expect(JSON.parse(echoed.output_text)).toEqual({ model: "m", input: "Say hello" });
    expect(echoed.usage).toMatchObject({
      input_tokens_details: { cached_tokens: 4 },
      output_tokens_details: { reasoning_tokens: 5 },
    });
    mock.setBehavior({ usage: { omit: true } });
    expect((await client.responses.create({ model: "m", input: "x" })).usage).toBeNull();
  });

  it("an in-stream failure: an `error` event with the details nested, then the end", async () => {
    mock.setBehavior({ streamErrorAfterChunks: 3 });
    const events = parseWire(await rawStream({ model: "m", input: "x" }));
    expect(events).toHaveLength(4);
    expect(events[3]).toEqual({
      event: "error",
      data: {
        type: "error",
        sequence_number: 3,
        error: {
          type: "server_error",
          code: "server_error",
          message: expect.stringContaining("server had an error"),
          param: null,
        },
      },
    });
    const error = await rejection(client.responses.stream({ model: "m", input: "x" }).finalResponse());
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("server_error");
  });
});

describe("OpenAI adapter: Responses API pass-through", () => {
  it("responses: the Response as sent upstream (output_text readable, not serialized)", async () => {
    mock.setBehavior({ usage: { cachedTokens: 3, reasoningTokens: 2 } });
    const response = await adapter.responses?.(
      { model: "gpt-4o-mini", input: "Say hello", store: false },
      call(),
    );
    expect(response?.output_text).toBe(TEXT);
    expect(JSON.stringify(response)).not.toContain('output_text":');
    expect(response?.usage).toMatchObject({
      output_tokens: 8,
      input_tokens_details: { cached_tokens: 3 },
      output_tokens_details: { reasoning_tokens: 2 },
    });
    expect(mock.requests[0]?.body).toEqual({ model: "gpt-4o-mini", input: "Say hello", store: false });
    expect(mock.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("responsesStream: every event as sent, with its JSON text, the final one with usage", async () => {
    mock.setBehavior({ usage: { cachedTokens: 3, reasoningTokens: 2 } });
    const stream = await adapter.responsesStream?.({ model: "m", input: "Say hello", stream: true }, call());
    const events = await collect(stream as AsyncIterable<ResponseStreamEvent>);
    expect(mock.requests[0]?.body).toEqual({ model: "m", input: "Say hello", stream: true });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.map((e) => (e.type === "response.output_text.delta" ? e.delta : "")).join("");
    expect(text).toBe(TEXT);
    expect(rawJsonOf(events[4])).toBe(JSON.stringify(events[4]));
    const last = events.at(-1);
    expect(last?.type).toBe("response.completed");
    if (last?.type !== "response.completed") return;
    expect(last.response.usage).toMatchObject({
      input_tokens_details: { cached_tokens: 3 },
      output_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it("429 and 500 before the stream: rejected as rate_limit / server", async () => {
    mock.setBehavior({ status: 429, retryAfter: "2" });
    const limited = await failure(
      adapter.responsesStream?.({ model: "m", input: "x", stream: true }, call()) as Promise<unknown>,
    );
    expect(limited).toMatchObject({ kind: "rate_limit" });
    expect(limited.details).toMatchObject({ status: 429, retryAfterMs: 2000 });
    expect(
      (await failure(adapter.responses?.({ model: "m", input: "x" }, call()) as Promise<unknown>)).kind,
    ).toBe("rate_limit");
    mock.setBehavior({ status: 500 });
    expect(
      (
        await failure(
          adapter.responsesStream?.({ model: "m", input: "x", stream: true }, call()) as Promise<unknown>,
        )
      ).kind,
    ).toBe("server");
    expect(
      (await failure(adapter.responses?.({ model: "m", input: "x" }, call()) as Promise<unknown>)).kind,
    ).toBe("server");
  });

  it("a 400 from the upstream's strictness -> client, with the param", async () => {
    const error = await failure(
      adapter.responses?.(
        { model: "m", input: "x", previous_response_id: "resp_x" },
        call(),
      ) as Promise<unknown>,
    );
    expect(error).toMatchObject({ kind: "client" });
    expect(error.details).toMatchObject({ status: 400, param: "previous_response_id" });
  });

  it("an in-stream error event -> UpstreamError while iterating", async () => {
    mock.setBehavior({ streamErrorAfterChunks: 2 });
    const stream = (await adapter.responsesStream?.(
      { model: "m", input: "x", stream: true },
      call(),
    )) as AsyncIterable<ResponseStreamEvent>;
    const seen: ResponseStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of stream) seen.push(event);
      })(),
    );
    expect(error).toMatchObject({ kind: "server", message: "openai reported an error mid-stream" });
    expect(error.details.upstreamCode).toBe("server_error");
    expect(seen.map((e) => e.type)).toEqual(["response.created", "response.in_progress"]);

    mock.setBehavior({
      streamErrorAfterChunks: 2,
      error: { type: "invalid_request_error", code: "invalid_prompt", message: "Invalid prompt." },
    });
    const refused = await adapter.responsesStream?.({ model: "m", input: "x", stream: true }, call());
    const client = await failure(collect(refused as AsyncIterable<ResponseStreamEvent>));
    expect(client).toMatchObject({
      kind: "client",
      message: "openai rejected the request mid-stream: Invalid prompt.",
    });
  });

  it("an error event in the published flat shape is classified by its code", async () => {
    async function* wire() {
      yield new TextEncoder().encode(
        'data: {"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null,"sequence_number":1}\n\n',
      );
    }
    const error = await rejection(collect(sseJsonEvents(wire(), new Headers())));
    expect(toUpstreamError("openai", error)).toMatchObject({
      kind: "rate_limit",
      details: { upstreamCode: "rate_limit_exceeded" },
    });
  });

  it("a mid-stream connection reset -> iteration throws connection", async () => {
    mock.setBehavior({ resetAfterChunks: 5, chunks: 10 });
    const stream = (await adapter.responsesStream?.(
      { model: "m", input: "x", stream: true },
      call(),
    )) as AsyncIterable<ResponseStreamEvent>;
    const seen: ResponseStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of stream) seen.push(event);
      })(),
    );
    expect(error.kind).toBe("connection");
    expect(seen).toHaveLength(5);
    expect(await mock.requests[0]?.done).toBe("reset");
  });

  it("an abort mid-stream closes the upstream socket and surfaces as an abort", async () => {
    mock.setBehavior({ chunkDelayMs: 50, chunks: 50 });
    const controller = new AbortController();
    const stream = (await adapter.responsesStream?.(
      { model: "m", input: "x", stream: true },
      call({ signal: controller.signal }),
    )) as AsyncIterable<ResponseStreamEvent>;
    let received = 0;
    const error = await rejection(
      (async () => {
        for await (const _ of stream) {
          if (++received === 3) controller.abort();
        }
      })(),
    );
    expect(isAbortError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(await mock.requests[0]?.done).toBe("client_closed");
  });

  it("an openai_compatible host has no Responses API", () => {
    const compatible = createOpenAICompatibleAdapter({
      id: "nebius",
      kind: "openai_compatible",
      apiKey: API_KEY,
      baseURL: mock.url,
    });
    expect(compatible.responses).toBeUndefined();
    expect(compatible.responsesStream).toBeUndefined();
    expect(typeof adapter.responses).toBe("function");
    expect(typeof adapter.responsesStream).toBe("function");
  });
});

import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import type { ChatCompletionChunk, ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import {
  AnthropicTranslationError,
  DROPPED_FIELDS,
  defaultMaxTokens,
  JSON_OBJECT_INSTRUCTION,
  toAnthropicRequest,
} from "../../src/providers/anthropic/anthropic-request.ts";
import { toChatCompletion, toFinishReason } from "../../src/providers/anthropic/anthropic-response.ts";
import {
  AnthropicStreamError,
  type AnthropicStreamEvent,
  AnthropicStreamTranslator,
} from "../../src/providers/anthropic/anthropic-stream.ts";

const MODEL = "claude-sonnet-5-5";

function translate(extra: Partial<ChatCompletionCreateParams> & Record<string, unknown> = {}) {
  return toAnthropicRequest({
    model: MODEL,
    messages: [{ role: "user", content: "Hi" }],
    ...extra,
  } as ChatCompletionCreateParams);
}

function translationError(run: () => unknown): AnthropicTranslationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AnthropicTranslationError);
    return error as AnthropicTranslationError;
  }
  throw new Error("expected a translation error");
}

describe("OpenAI request -> Anthropic request", () => {
  it("joins system and developer messages, in order, into a system string", () => {
    const { body } = translate({
      messages: [
        { role: "system", content: "You are terse." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hi" },
        { role: "system", content: "Never use emoji." },
      ],
    });
    expect(body.system).toBe("You are terse.\n\nAnswer in French.\n\nNever use emoji.");
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hi" }] }]);
  });

  it("merges consecutive same-role turns so they alternate", () => {
    const { body } = translate({
      messages: [
        { role: "user", content: "One" },
        { role: "user", content: [{ type: "text", text: "Two" }] },
        { role: "assistant", content: "A" },
        { role: "assistant", content: [{ type: "text", text: "B" }] },
        { role: "user", content: "Three" },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "One" },
          { type: "text", text: "Two" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "A" },
          { type: "text", text: "B" },
        ],
      },
      { role: "user", content: [{ type: "text", text: "Three" }] },
    ]);
  });

  it("turns image data URLs into base64 sources and http(s) URLs into url sources", () => {
    const { body } = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "high" } },
            { type: "image_url", image_url: { url: "data:image/jpg;base64,/9j/4AAQ" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp" } },
          ],
        },
      ],
    });
    expect(body.messages[0]?.content).toEqual([
      { type: "text", text: "Compare" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.webp" } },
    ]);
  });

  it("refuses images it cannot send, naming the part", () => {
    const image = (url: string) =>
      translate({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] });
    expect(translationError(() => image("data:image/tiff;base64,AAAA")).param).toBe(
      "messages[0].content[0].image_url.url",
    );
    expect(translationError(() => image("data:image/png,%89PNG")).message).toMatch(/base64/);
    expect(translationError(() => image("ftp://example.com/a.png")).message).toMatch(/http/);
  });

  it("sends PDF file parts as document blocks and refuses audio input", () => {
    const { body } = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
          ],
        },
      ],
    });
    expect(body.messages[0]?.content).toEqual([
      {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
        title: "a.pdf",
      },
    ]);
    const audio = translationError(() =>
      translate({
        messages: [
          { role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] },
        ],
      }),
    );
    expect(audio.param).toBe("messages[0].content[0]");
  });

  it("round-trips a multi-turn tool conversation, merging consecutive tool results into one user turn", () => {
    const { body } = translate({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: "Checking both.",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
            { id: "toolu_2", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "18C" },
        { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "24C" }] },
        { role: "assistant", content: "Paris 18C, Rome 24C." },
        { role: "user", content: "And Oslo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "toolu_3", type: "function", function: { name: "now", arguments: "" } }],
        },
        { role: "tool", tool_call_id: "toolu_3", content: "" },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking both." },
          { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "24C" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "Paris 18C, Rome 24C." }] },
      { role: "user", content: [{ type: "text", text: "And Oslo?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_3", name: "now", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_3" },
          { type: "text", text: "Thanks" },
        ],
      },
    ]);
  });

  it("reports invalid tool call arguments as a 400-worthy error naming the parameter", () => {
    const call = (args: string) =>
      translate({
        messages: [
          { role: "user", content: "Hi" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
              { id: "b", type: "function", function: { name: "f", arguments: args } },
            ],
          },
        ],
      });
    const invalid = translationError(() => call('{"city": "Par'));
    expect(invalid.param).toBe("messages[1].tool_calls[1].function.arguments");
    expect(invalid.message).toMatch(/valid JSON/);
    expect(translationError(() => call("[1,2]")).param).toBe("messages[1].tool_calls[1].function.arguments");
  });

  it("translates tools and every tool_choice form", () => {
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "weather",
          description: "Weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          strict: true,
        },
      },
      { type: "function" as const, function: { name: "now" } },
    ];
    const { body } = translate({ tools });
    expect(body.tools).toEqual([
      {
        name: "weather",
        description: "Weather for a city",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: true,
      },
      { name: "now", input_schema: { type: "object", properties: {} } },
    ]);
    expect(body.tool_choice).toBeUndefined();
    const choice = (tool_choice: unknown, extra: Record<string, unknown> = {}) =>
      translate({ tools, tool_choice, ...extra } as Partial<ChatCompletionCreateParams>).body.tool_choice;
    expect(choice("none")).toEqual({ type: "none" });
    expect(choice("auto")).toEqual({ type: "auto" });
    expect(choice("required")).toEqual({ type: "any" });
    expect(choice({ type: "function", function: { name: "now" } })).toEqual({ type: "tool", name: "now" });
    expect(choice("required", { parallel_tool_calls: false })).toEqual({
      type: "any",
      disable_parallel_tool_use: true,
    });
    expect(choice(undefined, { parallel_tool_calls: false })).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    const allowed = translate({
      tools,
      tool_choice: {
        type: "allowed_tools",
        allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "now" } }] },
      },
    }).body;
    expect(allowed.tools?.map((tool) => (tool as { name: string }).name)).toEqual(["now"]);
    expect(allowed.tool_choice).toEqual({ type: "any" });
    expect(translationError(() => translate({ tool_choice: "required" })).param).toBe("tool_choice");
    expect(translate({ tool_choice: "auto" }).body.tool_choice).toBeUndefined();
  });

  it("maps stop to stop_sequences and user / safety_identifier to metadata.user_id", () => {
    expect(translate({ stop: "END" }).body.stop_sequences).toEqual(["END"]);
    expect(translate({ stop: ["\n\n", "END"] }).body.stop_sequences).toEqual(["\n\n", "END"]);
    expect(translate({ stop: null }).body.stop_sequences).toBeUndefined();
    expect(translate({ user: "user-42" }).body.metadata).toEqual({ user_id: "user-42" });
    expect(translate({ user: "user-42", safety_identifier: "hash-1" }).body.metadata).toEqual({
      user_id: "hash-1",
    });
  });

  it("takes max_completion_tokens, then max_tokens, else injects the model default", () => {
    expect(translate({ max_completion_tokens: 100, max_tokens: 50 }).body.max_tokens).toBe(100);
    expect(translate({ max_tokens: 50 }).body.max_tokens).toBe(50);
    expect(translate().body.max_tokens).toBe(defaultMaxTokens(MODEL));
    expect(defaultMaxTokens("claude-3-5-sonnet-20241022")).toBe(8192);
    expect(defaultMaxTokens("claude-3-5-haiku-latest")).toBe(8192);
    expect(defaultMaxTokens("claude-3-haiku-20240307")).toBe(4096);
    expect(defaultMaxTokens("claude-3-7-sonnet-latest")).toBe(16384);
    expect(defaultMaxTokens("claude-sonnet-4-5")).toBe(16384);
    expect(defaultMaxTokens("claude-opus-5-5")).toBe(16384);
    expect(defaultMaxTokens("something-else")).toBe(4096);
  });

  it("translates response_format: json_schema to output_config.format, json_object to an instruction", () => {
    const schema = { type: "object", properties: { a: { type: "string" } }, additionalProperties: false };
    const structured = translate({
      response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } },
    }).body;
    expect(structured.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(structured.system).toBeUndefined();
    const jsonObject = translate({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "JSON please" },
      ],
      response_format: { type: "json_object" },
    }).body;
    expect(jsonObject.system).toBe(`Be brief.\n\n${JSON_OBJECT_INSTRUCTION}`);
    expect(jsonObject.output_config).toBeUndefined();
    expect(translate({ response_format: { type: "text" } }).body).not.toHaveProperty("output_config");
  });

  it("refuses n > 1 (param n), audio output and legacy functions", () => {
    expect(translationError(() => translate({ n: 2 })).param).toBe("n");
    expect(translate({ n: 1 }).body).not.toHaveProperty("n");
    expect(translationError(() => translate({ modalities: ["text", "audio"] })).param).toBe("modalities");
    expect(translationError(() => translate({ functions: [{ name: "f" }] })).param).toBe("functions");
  });

  // anthropic-version 2026-10-21 refuses temperature, top_p and top_k at any value (400): dropped.
  it.each([
    ["temperature", 0.2],
    ["temperature", 1],
    ["top_p", 0.9],
    ["top_k", 40],
    ["frequency_penalty", 0.5],
    ["presence_penalty", 0.5],
    ["seed", 7],
    ["logit_bias", { "50256": -100 }],
    ["logprobs", true],
    ["reasoning_effort", "high"],
  ])("drops %s (%j) and reports it", (field, value) => {
    expect(DROPPED_FIELDS[field]).toBeDefined();
    const { body, dropped } = translate({ [field]: value });
    expect(body).not.toHaveProperty(field);
    expect(JSON.stringify(body)).not.toContain(`"${field}"`);
    expect(dropped).toEqual([field]);
  });

  it("keeps the request otherwise minimal", () => {
    expect(translate()).toEqual({
      body: {
        model: MODEL,
        messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
        max_tokens: 16384,
      },
      dropped: [],
    });
  });
});

function message(overrides: Partial<Message>): Message {
  return {
    id: "msg_01AbC",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-5-5-20261001",
    content: [],
    stop_reason: "end_turn",
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: null,
      cache_creation_input_tokens: null,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: "standard",
      speed: null,
    },
    ...overrides,
  } as Message;
}

describe("Anthropic message -> OpenAI chat completion", () => {
  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    [null, "stop"],
  ])("maps stop reason %s to %s", (reason, finish) => {
    expect(toFinishReason(reason)).toBe(finish);
  });

  it("joins text blocks, turns tool_use into tool calls and keeps the requested model", () => {
    const completion = toChatCompletion(
      message({
        stop_reason: "tool_use",
        content: [
          { type: "text", text: "Let me ", citations: null },
          { type: "text", text: "check.", citations: null },
          {
            type: "tool_use",
            id: "toolu_9",
            name: "weather",
            input: { city: "Oslo" },
            caller: { type: "direct" },
          },
        ] as Message["content"],
      }),
      "claude-sonnet",
      1_700_000_000_123,
    );
    expect(completion).toEqual({
      id: "chatcmpl-01AbC",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "claude-sonnet",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          logprobs: null,
          message: {
            role: "assistant",
            content: "Let me check.",
            refusal: null,
            tool_calls: [
              {
                id: "toolu_9",
                type: "function",
                function: { name: "weather", arguments: '{"city":"Oslo"}' },
              },
            ],
          },
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    });
  });

  it("gives null content for a tool-only answer", () => {
    const completion = toChatCompletion(
      message({
        stop_reason: "tool_use",
        content: [
          { type: "tool_use", id: "t", name: "now", input: {}, caller: { type: "direct" } },
        ] as Message["content"],
      }),
      MODEL,
    );
    expect(completion.choices[0]?.message.content).toBeNull();
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { arguments: "{}" } });
  });
});

/** A stream as Anthropic sends it: text, then two parallel tool uses, with ping and cache usage. */
const RECORDED: AnthropicStreamEvent[] = [
  {
    type: "message_start",
    message: message({
      id: "msg_01Stream",
      content: [],
      stop_reason: null,
      usage: {
        ...message({}).usage,
        input_tokens: 50,
        output_tokens: 1,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 100,
      },
    }),
  },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } },
  { type: "ping" },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking " } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "both." } },
  { type: "content_block_stop", index: 0 },
  {
    type: "content_block_start",
    index: 1,
    content_block: {
      type: "tool_use",
      id: "toolu_A",
      name: "weather",
      input: {},
      caller: { type: "direct" },
    },
  },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"city": "P' } },
  { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 'aris"}' } },
  { type: "content_block_stop", index: 1 },
  {
    type: "content_block_start",
    index: 2,
    content_block: {
      type: "tool_use",
      id: "toolu_B",
      name: "weather",
      input: {},
      caller: { type: "direct" },
    },
  },
  { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"city":' } },
  { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '"Rome"}' } },
  { type: "content_block_stop", index: 2 },
  {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null, stop_details: null, container: null },
    usage: {
      output_tokens: 61,
      input_tokens: 50,
      cache_read_input_tokens: 2000,
      cache_creation_input_tokens: 100,
      output_tokens_details: null,
      server_tool_use: null,
    },
  },
  { type: "message_stop" },
] as AnthropicStreamEvent[];

function run(events: AnthropicStreamEvent[]): {
  chunks: ChatCompletionChunk[];
  translator: AnthropicStreamTranslator;
} {
  const translator = new AnthropicStreamTranslator("claude-x", () => 1_700_000_000_000);
  return { chunks: events.flatMap((event) => translator.push(event)), translator };
}

describe("Anthropic stream events -> OpenAI chunks", () => {
  it("translates a recorded stream with two parallel tool uses", () => {
    const { chunks, translator } = run(RECORDED);
    expect(translator.finished).toBe(true);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: "chatcmpl-01Stream",
        object: "chat.completion.chunk",
        model: "claude-x",
        created: 1_700_000_000,
      });
    }
    const deltas = chunks.slice(0, -2).map((chunk) => chunk.choices[0]?.delta);
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { content: "Checking " },
      { content: "both." },
      {
        tool_calls: [
          { index: 0, id: "toolu_A", type: "function", function: { name: "weather", arguments: "" } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "P' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'aris"}' } }] },
      {
        tool_calls: [
          { index: 1, id: "toolu_B", type: "function", function: { name: "weather", arguments: "" } },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '"Rome"}' } }] },
    ]);
    expect(chunks.at(-2)?.choices).toEqual([
      { index: 0, delta: {}, finish_reason: "tool_calls", logprobs: null },
    ]);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 2150,
        completion_tokens: 61,
        total_tokens: 2211,
        prompt_tokens_details: { cached_tokens: 2000, cache_write_tokens: 100 },
      },
    });
    // Accumulating the fragments per index gives each tool call's JSON arguments.
    const args = ["", ""];
    for (const chunk of chunks) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
        args[call.index] += call.function?.arguments ?? "";
    }
    expect(args.map((text) => JSON.parse(text))).toEqual([{ city: "Paris" }, { city: "Rome" }]);
  });

  it("maps the finish reason of a text stream and is unfinished before message_stop", () => {
    const events = [
      RECORDED[0],
      RECORDED[1],
      RECORDED[3],
      { type: "content_block_stop", index: 0 },
      {
        type: "message_delta",
        delta: { stop_reason: "max_tokens", stop_sequence: null },
        usage: { output_tokens: 3 },
      },
    ] as AnthropicStreamEvent[];
    const { chunks, translator } = run(events);
    expect(translator.finished).toBe(false);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(["", "Checking "]);
    const end = translator.push({ type: "message_stop" });
    expect(end[0]?.choices[0]?.finish_reason).toBe("length");
    expect(end[1]?.usage).toMatchObject({ prompt_tokens: 2150, completion_tokens: 3 });
  });

  it("gives a tool use without input deltas '{}' as arguments", () => {
    const { chunks } = run([
      RECORDED[0],
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: "t", name: "now", input: {} },
      },
      { type: "content_block_stop", index: 0 },
    ] as AnthropicStreamEvent[]);
    expect(chunks.at(-1)?.choices[0]?.delta).toEqual({
      tool_calls: [{ index: 0, function: { arguments: "{}" } }],
    });
  });

  it("throws on an error event", () => {
    const translator = new AnthropicStreamTranslator(MODEL);
    translator.push(RECORDED[0] as AnthropicStreamEvent);
    expect(() =>
      translator.push({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    ).toThrow(AnthropicStreamError);
  });
});

// The Anthropic Messages dialect served by Chat Completions models: request translation
// (messagesToChat), answer translation (chatToMessage) and stream translation
// (ChatToMessageEvents), the stream checked against the official SDK's own accumulation.
import Anthropic from "@anthropic-ai/sdk";
import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import { ZChatCompletionRequest, ZMessagesRequest } from "@gw/contracts";
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { anthropicStopReason } from "../../src/dialects/anthropic-messages/anthropic-stop-reason.ts";
import { chatToMessage } from "../../src/dialects/anthropic-messages/chat-to-message.ts";
import { ChatToMessageEvents } from "../../src/dialects/anthropic-messages/chat-to-message-events.ts";
import { messagesToChat } from "../../src/dialects/anthropic-messages/messages-to-chat.ts";
import { GatewayError } from "../../src/errors.ts";
import type { AnthropicWireEvent } from "../../src/providers/types.ts";

const MODEL = "gpt-5.2";
const CLIENT_MODEL = "my-alias";

/** The request as the route has it: parsed by the contract schema first. */
function translate(extra: Record<string, unknown>) {
  const body = ZMessagesRequest.parse({
    model: CLIENT_MODEL,
    max_tokens: 1024,
    messages: [{ role: "user", content: "Hi" }],
    ...extra,
  });
  const params = messagesToChat(body, MODEL);
  // What comes out is a request the gateway's own chat schema accepts.
  expect(ZChatCompletionRequest.safeParse(params).error).toBeUndefined();
  return params;
}

function gatewayError(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const gateway = error as GatewayError;
    expect(gateway.status).toBe(400);
    expect(gateway.envelope().error.type).toBe("invalid_request_error");
    return gateway;
  }
  throw new Error("expected a GatewayError");
}

describe("Messages request -> Chat request", () => {
  it("maps the generation settings and drops what has no Chat equivalent", () => {
    const params = translate({
      max_tokens: 321,
      stop_sequences: ["\n\nHuman:", "", "END"],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: "user-42" },
      thinking: { type: "enabled", budget_tokens: 2048 },
      service_tier: "auto",
      stream: true,
      cache_control: { type: "ephemeral" },
    });
    expect(params).toEqual({
      model: MODEL,
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 321,
      stop: ["\n\nHuman:", "END"],
      temperature: 0.3,
      top_p: 0.9,
      user: "user-42",
    });
  });

  it("system as a string, as text blocks, and as a turn inside messages", () => {
    expect(translate({ system: "Be terse." }).messages[0]).toEqual({ role: "system", content: "Be terse." });
    const blocks = translate({
      system: [
        { type: "text", text: "You are Claude Code." },
        { type: "text", text: "Be terse.", cache_control: { type: "ephemeral" } },
      ],
      messages: [
        { role: "user", content: "Hi" },
        { role: "system", content: [{ type: "text", text: "Now answer in French." }] },
        { role: "user", content: "Bonjour" },
      ],
    });
    expect(blocks.messages).toEqual([
      { role: "system", content: "You are Claude Code.\n\nBe terse." },
      { role: "user", content: "Hi" },
      { role: "system", content: "Now answer in French." },
      { role: "user", content: "Bonjour" },
    ]);
    expect(translate({ system: "" }).messages).toEqual([{ role: "user", content: "Hi" }]);
  });

  it("text, image and document blocks become content parts", () => {
    const params = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare these." },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.webp" } },
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
              title: "report.pdf",
            },
            {
              type: "document",
              source: { type: "text", media_type: "text/plain", data: "notes" },
              title: "N",
            },
            { type: "thinking", thinking: "hmm", signature: "sig" },
          ],
        },
      ],
    });
    expect(params.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these." },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.webp" } },
          {
            type: "file",
            file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "report.pdf" },
          },
          { type: "text", text: "N\n\nnotes" },
        ],
      },
    ]);
  });

  it("tool_use and tool_result round trip: tool calls, then tool messages before the user's text", () => {
    const params = translate({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Two lookups.", signature: "EqQBCkgIARAB" },
            { type: "redacted_thinking", data: "EmwKAhgB" },
            { type: "text", text: "Checking both." },
            { type: "tool_use", id: "toolu_A", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_B", name: "get_weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "Here you go." },
            { type: "tool_result", tool_use_id: "toolu_A", content: "21°C" },
            {
              type: "tool_result",
              tool_use_id: "toolu_B",
              is_error: true,
              content: [
                { type: "text", text: "upstream timeout" },
                { type: "text", text: "retry later" },
              ],
            },
          ],
        },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_C", name: "noop", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_C", is_error: true }] },
      ],
    });
    expect(params.messages).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: "Checking both.",
        tool_calls: [
          {
            id: "toolu_A",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "toolu_B",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Rome"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_A", content: "21°C" },
      { role: "tool", tool_call_id: "toolu_B", content: "Error: upstream timeout\nretry later" },
      { role: "user", content: "Here you go." },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "toolu_C", type: "function", function: { name: "noop", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "toolu_C", content: "Error" },
    ]);
  });

  it("moves a tool result's images into the user message after the tool messages", () => {
    const params = translate({
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_S", name: "screenshot", input: {} }] },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_S",
              content: [
                { type: "text", text: "captured" },
                { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/" } },
              ],
            },
          ],
        },
      ],
    });
    expect(params.messages.slice(1)).toEqual([
      { role: "tool", tool_call_id: "toolu_S", content: "captured" },
      {
        role: "user",
        content: [
          { type: "text", text: "Attachments of the tool result for toolu_S:" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/" } },
        ],
      },
    ]);
  });

  it("custom tools become function tools", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const params = translate({
      tools: [
        {
          name: "get_weather",
          description: "Current weather",
          input_schema: schema,
          cache_control: { type: "ephemeral" },
        },
        { type: "custom", name: "strict_tool", input_schema: { type: "object" }, strict: true },
      ],
    });
    expect(params.tools).toEqual([
      {
        type: "function",
        function: { name: "get_weather", description: "Current weather", parameters: schema },
      },
      { type: "function", function: { name: "strict_tool", parameters: { type: "object" }, strict: true } },
    ]);
  });

  it("tool_choice: auto, any -> required, tool -> named function, none; disable_parallel_tool_use", () => {
    const tools = [{ name: "get_weather", input_schema: { type: "object" } }];
    const choice = (tool_choice: unknown) => {
      const { tool_choice: mapped, parallel_tool_calls } = translate({ tools, tool_choice });
      return { mapped, parallel_tool_calls };
    };
    expect(choice({ type: "auto" })).toEqual({ mapped: "auto", parallel_tool_calls: undefined });
    expect(choice({ type: "any", disable_parallel_tool_use: true })).toEqual({
      mapped: "required",
      parallel_tool_calls: false,
    });
    expect(choice({ type: "tool", name: "get_weather", disable_parallel_tool_use: false })).toEqual({
      mapped: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: undefined,
    });
    expect(choice({ type: "auto", disable_parallel_tool_use: true })).toEqual({
      mapped: "auto",
      parallel_tool_calls: false,
    });
    expect(choice({ type: "none" })).toEqual({ mapped: "none", parallel_tool_calls: undefined });
    // Without tools: auto/none say nothing; any/tool cannot be honoured.
    expect(translate({ tool_choice: { type: "auto" } }).tool_choice).toBeUndefined();
    expect(gatewayError(() => translate({ tool_choice: { type: "any" } })).param).toBe("tool_choice");
  });

  it("structured output: output_config.format -> response_format json_schema", () => {
    const schema = { type: "object", properties: { answer: { type: "number" } } };
    expect(translate({ output_config: { format: { type: "json_schema", schema } } }).response_format).toEqual(
      {
        type: "json_schema",
        json_schema: { name: "output", schema },
      },
    );
  });

  it("refuses what other models cannot do, naming the parameter", () => {
    const custom = { name: "get_weather", input_schema: { type: "object" } };
    const serverTool = gatewayError(() =>
      translate({ tools: [custom, { type: "web_search_20250305", name: "web_search", max_uses: 5 }] }),
    );
    expect(serverTool.param).toBe("tools[1]");
    expect(serverTool.message).toContain("web_search_20250305");
    expect(serverTool.envelope().error.param).toBe("tools[1]");
    expect(gatewayError(() => translate({ tools: [{ type: "bash_20250124", name: "bash" }] })).param).toBe(
      "tools[0]",
    );

    const user = (content: unknown[]) => translate({ messages: [{ role: "user", content }] });
    const urlPdf = gatewayError(() =>
      user([
        { type: "text", text: "Read" },
        { type: "document", source: { type: "url", url: "https://x/a.pdf" } },
      ]),
    );
    expect(urlPdf.param).toBe("messages[0].content[1].source");
    expect(
      gatewayError(() => user([{ type: "image", source: { type: "file", file_id: "file_1" } }])).param,
    ).toBe("messages[0].content[0].source");
    expect(
      gatewayError(() =>
        translate({
          messages: [
            { role: "user", content: "Search" },
            {
              role: "assistant",
              content: [{ type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }],
            },
          ],
        }),
      ).param,
    ).toBe("messages[1].content[0]");
    expect(
      gatewayError(() =>
        user([
          { type: "tool_result", tool_use_id: "t", content: [{ type: "tool_reference", tool_name: "x" }] },
        ]),
      ).param,
    ).toBe("messages[0].content[0].content[0]");
    expect(gatewayError(() => translate({ mcp_servers: [{ type: "url", url: "https://mcp" }] })).param).toBe(
      "mcp_servers",
    );
  });
});

// ---- answers ------------------------------------------------------------------------------

function completion(
  message: Partial<ChatCompletion.Choice["message"]>,
  finish: ChatCompletion.Choice["finish_reason"],
  usage: ChatCompletion["usage"] = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  extra: Record<string, unknown> = {},
): ChatCompletion {
  return {
    id: "chatcmpl-AbC123",
    object: "chat.completion",
    created: 1_700_000_000,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null, ...message },
        finish_reason: finish,
        logprobs: null,
        ...extra,
      },
    ],
    usage,
  };
}

/** 100 uncached + 1000 cache reads + 300 cache writes in; 40 out, 12 of them reasoning. */
const CACHED_USAGE: ChatCompletion["usage"] = {
  prompt_tokens: 1400,
  completion_tokens: 40,
  total_tokens: 1440,
  prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 300 } as { cached_tokens: number },
  completion_tokens_details: { reasoning_tokens: 12 },
};

const nullUsageFields = {
  cache_creation: null,
  inference_geo: null,
  server_tool_use: null,
  service_tier: null,
  speed: null,
};

describe("Chat answer -> Message", () => {
  it("text, with usage split the Anthropic way (cache reads and writes on top of input_tokens)", () => {
    const message = chatToMessage(completion({ content: "Hello!" }, "stop", CACHED_USAGE), CLIENT_MODEL);
    expect(message).toEqual({
      id: "msg_AbC123",
      type: "message",
      role: "assistant",
      model: CLIENT_MODEL,
      content: [{ type: "text", text: "Hello!", citations: null }],
      stop_reason: "end_turn",
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: 100,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 300,
        output_tokens: 40,
        output_tokens_details: { thinking_tokens: 12 },
        ...nullUsageFields,
      },
    } satisfies Message);
  });

  it("text then tool_use blocks; arguments that are not a JSON object become {}", () => {
    const message = chatToMessage(
      completion(
        {
          content: "Checking.",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Ro' } },
            { id: "call_3", type: "function", function: { name: "noop", arguments: "" } },
            { id: "", type: "function", function: { name: "list", arguments: "[1]" } },
          ],
        },
        "tool_calls",
      ),
      CLIENT_MODEL,
    );
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      { type: "text", text: "Checking.", citations: null },
      {
        type: "tool_use",
        id: "call_1",
        name: "get_weather",
        input: { city: "Paris" },
        caller: { type: "direct" },
      },
      { type: "tool_use", id: "call_2", name: "get_weather", input: {}, caller: { type: "direct" } },
      { type: "tool_use", id: "call_3", name: "noop", input: {}, caller: { type: "direct" } },
      { type: "tool_use", id: "toolu_AbC123_3", name: "list", input: {}, caller: { type: "direct" } },
    ]);
    const toolsOnly = chatToMessage(
      completion(
        { tool_calls: [{ id: "c", type: "function", function: { name: "n", arguments: "{}" } }] },
        "tool_calls",
      ),
      CLIENT_MODEL,
    );
    expect(toolsOnly.content.map((block) => block.type)).toEqual(["tool_use"]);
  });

  it("every stop reason", () => {
    const stopOf = (finish: ChatCompletion.Choice["finish_reason"], message = {}, extra = {}) => {
      const { stop_reason, stop_sequence } = chatToMessage(
        completion({ content: "x", ...message }, finish, undefined, extra),
        CLIENT_MODEL,
      );
      return { stop_reason, stop_sequence };
    };
    expect(stopOf("stop")).toEqual({ stop_reason: "end_turn", stop_sequence: null });
    expect(stopOf("length")).toEqual({ stop_reason: "max_tokens", stop_sequence: null });
    expect(stopOf("tool_calls")).toEqual({ stop_reason: "tool_use", stop_sequence: null });
    expect(stopOf("content_filter")).toEqual({ stop_reason: "refusal", stop_sequence: null });
    expect(stopOf("function_call")).toEqual({ stop_reason: "tool_use", stop_sequence: null });
    // A refusal (OpenAI structured outputs) is shown as text and stops as refusal.
    const refused = chatToMessage(
      completion({ content: null, refusal: "I can't help." }, "stop"),
      CLIENT_MODEL,
    );
    expect(refused.stop_reason).toBe("refusal");
    expect(refused.content).toEqual([{ type: "text", text: "I can't help.", citations: null }]);
    // vLLM (stop_reason) and SGLang (matched_stop) say which stop sequence matched.
    expect(stopOf("stop", {}, { stop_reason: "END" })).toEqual({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    });
    expect(stopOf("stop", {}, { matched_stop: "###" })).toEqual({
      stop_reason: "stop_sequence",
      stop_sequence: "###",
    });
    expect(stopOf("stop", {}, { stop_reason: 128001 })).toEqual({
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(anthropicStopReason(null)).toBe("end_turn");
    expect(anthropicStopReason(undefined)).toBe("end_turn");
  });

  it("an empty answer has no content blocks", () => {
    expect(chatToMessage(completion({ content: "" }, "stop"), CLIENT_MODEL).content).toEqual([]);
  });
});

// ---- streams ------------------------------------------------------------------------------

const CHUNK_ID = "chatcmpl-AbC123";
type Delta = ChatCompletionChunk.Choice["delta"];

function chunk(
  delta: Delta,
  finish: ChatCompletionChunk.Choice["finish_reason"] = null,
): ChatCompletionChunk {
  return {
    id: CHUNK_ID,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  };
}

function usageChunk(usage: ChatCompletion["usage"]): ChatCompletionChunk {
  return {
    id: CHUNK_ID,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: MODEL,
    choices: [],
    usage,
  };
}

const toolDelta = (index: number, args: string, start?: { id: string; name: string }): Delta => ({
  tool_calls: [
    {
      index,
      ...(start ? { id: start.id, type: "function" as const } : {}),
      function: { ...(start ? { name: start.name } : {}), arguments: args },
    },
  ],
});

/** Runs chunks through a translator: every event of push and end, in order. */
function translateStream(
  chunks: ChatCompletionChunk[],
  promptTokens = 1234,
  fallback?: number | (() => number),
): AnthropicWireEvent[] {
  const translator = new ChatToMessageEvents(CLIENT_MODEL, promptTokens);
  return [...chunks.flatMap((c) => translator.push(c)), ...translator.end(fallback)];
}

/**
 * Anthropic's stream grammar: message_start, then blocks one at a time with increasing indexes
 * (start, deltas of the block's kind, stop), then message_delta and message_stop; pings anywhere.
 */
function expectValidSequence(events: AnthropicWireEvent[]): void {
  const types = events.filter((e) => e.type !== "ping").map((e) => e.type);
  expect(types[0]).toBe("message_start");
  expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
  let open: { index: number; kind: string } | undefined;
  let next = 0;
  for (const event of events.slice(1, -2)) {
    if (event.type === "ping") continue;
    if (event.type === "content_block_start") {
      expect(open).toBeUndefined();
      expect(event.index).toBe(next++);
      open = { index: event.index, kind: event.content_block.type };
    } else if (event.type === "content_block_delta") {
      expect(event.index).toBe(open?.index);
      expect(event.delta.type).toBe(open?.kind === "text" ? "text_delta" : "input_json_delta");
    } else if (event.type === "content_block_stop") {
      expect(event.index).toBe(open?.index);
      open = undefined;
    } else {
      throw new Error(`unexpected ${event.type} between message_start and message_delta`);
    }
  }
  expect(open).toBeUndefined();
}

/** The final Message the official SDK accumulates from the events, sent as SSE. */
async function sdkFinalMessage(events: AnthropicWireEvent[]): Promise<Message> {
  const sse = events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
  const client = new Anthropic({
    apiKey: "sk-ant-test",
    baseURL: "http://gateway.test",
    maxRetries: 0,
    fetch: async () =>
      new Response(new Blob([sse]).stream(), {
        status: 200,
        headers: { "content-type": "text/event-stream" },
      }),
  });
  const stream = client.messages.stream({
    model: CLIENT_MODEL,
    max_tokens: 1024,
    messages: [{ role: "user", content: "Hi" }],
  });
  // `parsed_output` is the SDK's own addition (structured-output parsing), not on the wire.
  const { parsed_output: _, ...message } = await stream.finalMessage();
  return message;
}

describe("Chat stream -> Message stream events", () => {
  it("a text stream: message_start (estimate), ping, one text block, message_delta, message_stop", async () => {
    const events = translateStream([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo!" }),
      chunk({}, "stop"),
      usageChunk({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }),
    ]);
    expectValidSequence(events);
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]).toEqual({
      type: "message_start",
      message: {
        id: "msg_AbC123",
        type: "message",
        role: "assistant",
        model: CLIENT_MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: {
          input_tokens: 1234,
          output_tokens: 1,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
          output_tokens_details: null,
          ...nullUsageFields,
        },
      },
    });
    expect(events[2]).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "", citations: null },
    });
    expect(events[6]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: 10,
        output_tokens: 3,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        output_tokens_details: null,
        server_tool_use: null,
      },
    });
    const final = await sdkFinalMessage(events);
    expect(final).toEqual(
      chatToMessage(
        completion({ content: "Hello!" }, "stop", {
          prompt_tokens: 10,
          completion_tokens: 3,
          total_tokens: 13,
        }),
        CLIENT_MODEL,
      ),
    );
  });

  it("text then two parallel tool calls with interleaved argument pieces: one block each, in order", async () => {
    const chunks = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Checking both." }),
      chunk(toolDelta(0, "", { id: "call_P", name: "get_weather" })),
      chunk(toolDelta(1, "", { id: "call_R", name: "get_weather" })),
      chunk(toolDelta(0, '{"city":')),
      chunk(toolDelta(1, '{"city":')),
      chunk(toolDelta(0, '"Paris"}')),
      chunk(toolDelta(1, '"Rome"}')),
      chunk({}, "tool_calls"),
      usageChunk(CACHED_USAGE),
    ];
    const events = translateStream(chunks);
    expectValidSequence(events);
    const blocks = events.filter((e) => e.type === "content_block_start");
    expect(blocks.map((e) => e.content_block)).toEqual([
      { type: "text", text: "", citations: null },
      { type: "tool_use", id: "call_P", name: "get_weather", input: {}, caller: { type: "direct" } },
      { type: "tool_use", id: "call_R", name: "get_weather", input: {}, caller: { type: "direct" } },
    ]);
    // The first tool call streams as it comes; the second, held while the first was open, whole.
    const jsonPieces = (index: number) =>
      events.flatMap((e) =>
        e.type === "content_block_delta" && e.index === index && e.delta.type === "input_json_delta"
          ? [e.delta.partial_json]
          : [],
      );
    expect(jsonPieces(1)).toEqual(['{"city":', '"Paris"}']);
    expect(jsonPieces(2)).toEqual(['{"city":"Rome"}']);

    const delta = events.find((e) => e.type === "message_delta");
    expect(delta).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: 100,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 300,
        output_tokens: 40,
        output_tokens_details: { thinking_tokens: 12 },
        server_tool_use: null,
      },
    });

    const final = await sdkFinalMessage(events);
    expect(final).toEqual(
      chatToMessage(
        completion(
          {
            content: "Checking both.",
            tool_calls: [
              {
                id: "call_P",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              {
                id: "call_R",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Rome"}' },
              },
            ],
          },
          "tool_calls",
          CACHED_USAGE,
        ),
        CLIENT_MODEL,
      ),
    );
    expect(final.usage.input_tokens).toBe(100); // the real count replaced message_start's estimate
  });

  it("a tool call alone, its arguments sent whole in the first fragment", async () => {
    const events = translateStream([
      chunk({
        role: "assistant",
        content: null,
        ...toolDelta(0, '{"q":1}', { id: "call_1", name: "search" }),
      }),
      chunk({}, "tool_calls"),
      usageChunk({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }),
    ]);
    expectValidSequence(events);
    const final = await sdkFinalMessage(events);
    expect(final.content).toEqual([
      { type: "tool_use", id: "call_1", name: "search", input: { q: 1 }, caller: { type: "direct" } },
    ]);
    expect(final.stop_reason).toBe("tool_use");
  });

  it("a max_tokens cut: stop_reason max_tokens", async () => {
    const events = translateStream([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Once upon a" }),
      chunk({}, "length"),
      usageChunk({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 }),
    ]);
    expectValidSequence(events);
    const final = await sdkFinalMessage(events);
    expect(final).toEqual(
      chatToMessage(
        completion({ content: "Once upon a" }, "length", {
          prompt_tokens: 8,
          completion_tokens: 4,
          total_tokens: 12,
        }),
        CLIENT_MODEL,
      ),
    );
    expect(final.stop_reason).toBe("max_tokens");
  });

  it("a refusal streams as text and stops as refusal; a reported stop sequence as stop_sequence", async () => {
    const refused = translateStream([chunk({ refusal: "I can't." }), chunk({}, "stop")], 10, 3);
    expect((await sdkFinalMessage(refused)).stop_reason).toBe("refusal");
    const stopped = translateStream([
      chunk({ content: "a" }),
      { ...chunk({}, "stop"), choices: [{ index: 0, delta: {}, finish_reason: "stop", stop_reason: "END" }] },
    ] as ChatCompletionChunk[]);
    const final = await sdkFinalMessage(stopped);
    expect([final.stop_reason, final.stop_sequence]).toEqual(["stop_sequence", "END"]);
  });

  it("the upstream's usage never came: message_delta has the estimate and the caller's output count", async () => {
    let counted = 0;
    const events = translateStream([chunk({ content: "Hi there" }), chunk({}, "stop")], 77, () => {
      counted++;
      return 2;
    });
    expectValidSequence(events);
    expect(counted).toBe(1);
    expect(events.at(-2)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: 77,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        output_tokens: 2,
        output_tokens_details: null,
        server_tool_use: null,
      },
    });
    const final = await sdkFinalMessage(events);
    expect(final.usage).toMatchObject({ input_tokens: 77, output_tokens: 2 });

    // With the upstream's usage, the callback is not called.
    const translator = new ChatToMessageEvents(CLIENT_MODEL, 1);
    translator.push(chunk({}, "stop"));
    expect(translator.reportedUsage).toBeUndefined();
    translator.push(usageChunk({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }));
    expect(translator.reportedUsage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    translator.end(() => {
      throw new Error("not needed");
    });
  });

  it("an upstream that ended without a chunk, or without finishing, still completes the stream", async () => {
    const empty = translateStream([], 50, 0);
    expect(empty.map((e) => e.type)).toEqual(["message_start", "ping", "message_delta", "message_stop"]);
    const final = await sdkFinalMessage(empty);
    expect(final.content).toEqual([]);
    expect(final.id).toMatch(/^msg_[0-9a-f]{32}$/);

    const cut = translateStream([
      chunk({ content: "partial" }),
      chunk(toolDelta(0, '{"a":', { id: "c", name: "t" })),
    ]);
    expectValidSequence(cut);
    expect(cut.filter((e) => e.type === "content_block_stop")).toHaveLength(2);
    expect((await sdkFinalMessage(cut)).stop_reason).toBe("end_turn");
  });

  it("text after a tool call started comes as a last block; events after end are none", () => {
    const translator = new ChatToMessageEvents(CLIENT_MODEL, 1);
    const events = [
      ...translator.push(chunk(toolDelta(0, "{}", { id: "c", name: "t" }))),
      ...translator.push(chunk({ content: "Done." })),
      ...translator.push(chunk({}, "tool_calls")),
      ...translator.end(1),
    ];
    expectValidSequence(events);
    expect(events.flatMap((e) => (e.type === "content_block_start" ? [e.content_block.type] : []))).toEqual([
      "tool_use",
      "text",
    ]);
    expect(translator.finished).toBe(true);
    expect(translator.push(chunk({ content: "late" }))).toEqual([]);
    expect(translator.end()).toEqual([]);
  });
});

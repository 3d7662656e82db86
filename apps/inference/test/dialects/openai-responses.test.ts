// The Responses API dialect over Chat Completions targets: request translation (Responses -> Chat),
// the answer (ChatCompletion -> Response), the stream (chunks -> Responses events, checked against
// the openai SDK's own accumulator) and the stored conversation items. Unit tests, no I/O.
import { type TResponsesInputItem, type TResponsesRequest, ZResponsesRequest } from "@gw/contracts";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import { describe, expect, it } from "vitest";
import { chatToResponse, type ResponseIds } from "../../src/dialects/openai-responses/chat-to-response.ts";
import {
  ChatToResponseEvents,
  type ResponsesWireEvent,
} from "../../src/dialects/openai-responses/chat-to-response-events.ts";
import {
  type ItemLookup,
  resolveItemReferences,
  responseInputItems,
} from "../../src/dialects/openai-responses/response-items.ts";
import { responsesToChat } from "../../src/dialects/openai-responses/responses-to-chat.ts";
import { GatewayError } from "../../src/errors.ts";

const MODEL = "claude-sonnet-5";
const CREATED = 1_760_000_000;
const COMPLETED = 1_760_000_009;

/** Deterministic ids: resp_test, msg_1, fc_2, ... in the order items are made. */
function testIds(): ResponseIds {
  let n = 0;
  return { responseId: "resp_test", itemId: (prefix) => `${prefix}_${++n}`, now: () => COMPLETED };
}

function request(body: Record<string, unknown>): TResponsesRequest {
  return ZResponsesRequest.parse({ model: "my-alias", ...body });
}

/** The GatewayError `fn` throws. */
function refusalOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

/** 1000 prompt tokens (600 cached, 100 written to the cache); 50 out, 20 of them reasoning. */
const CHAT_USAGE = {
  prompt_tokens: 1000,
  completion_tokens: 50,
  total_tokens: 1050,
  prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 100 },
  completion_tokens_details: { reasoning_tokens: 20 },
};
const RESPONSES_USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 600, cache_write_tokens: 100 },
  output_tokens: 50,
  output_tokens_details: { reasoning_tokens: 20 },
  total_tokens: 1050,
};

/** A chat answer with text and two parallel calls of one tool. */
const PARALLEL_CALLS: Partial<ChatCompletion.Choice["message"]> = {
  content: "Checking both.",
  tool_calls: [
    { id: "call_p", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
    { id: "call_r", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
  ],
};

function completion(
  message: Partial<ChatCompletion.Choice["message"]>,
  finish_reason: ChatCompletion.Choice["finish_reason"] = "stop",
): ChatCompletion {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null, ...message },
        finish_reason,
        logprobs: null,
      },
    ],
    usage: CHAT_USAGE,
  };
}

function chunk(
  delta: ChatCompletionChunk.Choice["delta"],
  finish_reason: ChatCompletionChunk.Choice["finish_reason"] = null,
): ChatCompletionChunk {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason, logprobs: null }],
  };
}

const usageChunk: ChatCompletionChunk = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: CREATED,
  model: MODEL,
  choices: [],
  usage: CHAT_USAGE,
};

function toolDelta(index: number, fields: { id?: string; name?: string; args?: string }) {
  return {
    tool_calls: [
      {
        index,
        ...(fields.id ? { id: fields.id, type: "function" as const } : {}),
        function: { ...(fields.name ? { name: fields.name } : {}), arguments: fields.args ?? "" },
      },
    ],
  };
}

/** Runs chunks through the translator, then `end`. */
function translate(body: TResponsesRequest, chunks: ChatCompletionChunk[]): ResponsesWireEvent[] {
  const events = new ChatToResponseEvents(body, testIds());
  return [...chunks.flatMap((c) => events.push(c)), ...events.end()];
}

/**
 * The stream invariants every client relies on: sequence numbers 0, 1, 2, ...; created and
 * in_progress first; one terminal event last; items added at the next output_index, one open at a
 * time, every event naming the open item (output_index, item_id) and its open part.
 */
function checkStream(events: ResponsesWireEvent[]): void {
  events.forEach((event, i) => {
    expect(event.sequence_number).toBe(i);
  });
  expect(events[0]?.type).toBe("response.created");
  expect(events[1]?.type).toBe("response.in_progress");
  const terminal = ["response.completed", "response.incomplete", "response.failed"];
  expect(terminal).toContain(events.at(-1)?.type);
  expect(events.slice(0, -1).filter((e) => terminal.includes(e.type))).toEqual([]);

  let added = 0;
  let open: { index: number; id: string; parts: number; partOpen: boolean } | undefined;
  for (const event of events.slice(2, -1)) {
    if (event.type === "response.output_item.added") {
      expect(open).toBeUndefined();
      expect(event.output_index).toBe(added++);
      open = { index: event.output_index, id: event.item.id as string, parts: 0, partOpen: false };
      continue;
    }
    expect(open).toBeDefined();
    if (!open) return;
    expect("output_index" in event && event.output_index).toBe(open.index);
    if (event.type === "response.output_item.done") {
      expect(event.item.id).toBe(open.id);
      expect(open.partOpen).toBe(false);
      open = undefined;
      continue;
    }
    expect("item_id" in event && event.item_id).toBe(open.id);
    if (event.type === "response.content_part.added") {
      expect(open.partOpen).toBe(false);
      expect(event.content_index).toBe(open.parts++);
      open.partOpen = true;
    } else if ("content_index" in event) {
      expect(open.partOpen).toBe(true);
      expect(event.content_index).toBe(open.parts - 1);
      if (event.type === "response.content_part.done") open.partOpen = false;
    }
  }
  expect(open).toBeUndefined();
}

/** The events as OpenAI's SSE body (an `event:` and a `data:` line each). */
function sse(events: ResponsesWireEvent[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}

/** The openai SDK's `responses.stream` reading `events` as if from an upstream, and its result. */
async function sdkFinalResponse(events: ResponsesWireEvent[]) {
  const client = new OpenAI({
    apiKey: "test",
    baseURL: "http://gateway.test/v1",
    maxRetries: 0,
    fetch: async () =>
      new Response(sse(events), { status: 200, headers: { "content-type": "text/event-stream" } }),
  });
  const stream = client.responses.stream({ model: "my-alias", input: "Hi" });
  const seen: string[] = [];
  stream.on("event", (event) => seen.push(event.type));
  const response = await stream.finalResponse();
  expect(seen).toEqual(events.map((event) => event.type));
  return response;
}

// ---- Responses -> Chat ------------------------------------------------------------------------

describe("responsesToChat", () => {
  it("instructions become the first system message; a string input one user message", () => {
    const chat = responsesToChat(
      request({
        instructions: "Be brief.",
        input: "Tell me a joke.",
        max_output_tokens: 300,
        temperature: 0.5,
        top_p: 0.9,
        user: "u-1",
        safety_identifier: "s-1",
        prompt_cache_key: "k-1",
        metadata: { team: "a" },
        store: true,
        stream: true,
      }),
      MODEL,
    );
    expect(chat).toEqual({
      model: MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Tell me a joke." },
      ],
      max_tokens: 300,
      temperature: 0.5,
      top_p: 0.9,
      user: "u-1",
      safety_identifier: "s-1",
      prompt_cache_key: "k-1",
    });
  });

  it("multi-turn messages with parts; developer becomes system", () => {
    const chat = responsesToChat(
      request({
        input: [
          { role: "developer", content: "Answer in French." },
          { type: "message", role: "system", content: [{ type: "input_text", text: "Be kind." }] },
          {
            role: "user",
            content: [
              { type: "input_text", text: "What is this?" },
              { type: "input_image", image_url: "https://example.com/cat.png", detail: "low" },
              { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=" },
            ],
          },
          {
            id: "msg_0",
            type: "message",
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: "Un chat.", annotations: [], logprobs: [] }],
          },
          { role: "user", content: "Merci" },
          { role: "assistant", content: "De rien." },
        ],
      }),
      MODEL,
    );
    expect(chat.messages).toEqual([
      { role: "system", content: "Answer in French." },
      { role: "system", content: [{ type: "text", text: "Be kind." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        ],
      },
      { role: "assistant", content: "Un chat." },
      { role: "user", content: "Merci" },
      { role: "assistant", content: "De rien." },
    ]);
  });

  it("parallel function calls join the assistant turn; their outputs become tool messages", () => {
    const chat = responsesToChat(
      request({
        input: [
          { role: "user", content: "Weather in Paris and Rome?" },
          { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA" },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
          {
            type: "function_call",
            id: "fc_1",
            call_id: "call_p",
            name: "weather",
            arguments: '{"city":"Paris"}',
          },
          {
            type: "function_call",
            id: "fc_2",
            call_id: "call_r",
            name: "weather",
            arguments: '{"city":"Rome"}',
          },
          { type: "function_call_output", call_id: "call_p", output: "21C" },
          {
            type: "function_call_output",
            call_id: "call_r",
            output: [
              { type: "input_text", text: "25C, " },
              { type: "input_text", text: "sunny" },
            ],
          },
        ],
      }),
      MODEL,
    );
    expect(chat.messages).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "call_p", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
          { id: "call_r", type: "function", function: { name: "weather", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_p", content: "21C" },
      { role: "tool", tool_call_id: "call_r", content: "25C, sunny" },
    ]);
  });

  it("function tools (strict kept), tool_choice variants and parallel_tool_calls", () => {
    const tools = [
      {
        type: "function",
        name: "weather",
        description: "Weather",
        parameters: { type: "object" },
        strict: true,
      },
      { type: "function", name: "time" },
    ];
    const base = { input: "Hi", tools, parallel_tool_calls: false };
    const chat = responsesToChat(request(base), MODEL);
    expect(chat.tools).toEqual([
      {
        type: "function",
        function: { name: "weather", description: "Weather", parameters: { type: "object" }, strict: true },
      },
      { type: "function", function: { name: "time" } },
    ]);
    expect(chat.parallel_tool_calls).toBe(false);
    expect(chat.tool_choice).toBeUndefined();

    const choice = (tool_choice: unknown) =>
      responsesToChat(request({ ...base, tool_choice }), MODEL).tool_choice;
    expect(choice("auto")).toBe("auto");
    expect(choice("none")).toBe("none");
    expect(choice("required")).toBe("required");
    expect(choice({ type: "function", name: "time" })).toEqual({
      type: "function",
      function: { name: "time" },
    });
    expect(
      choice({ type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "time" }] }),
    ).toEqual({
      type: "allowed_tools",
      allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "time" } }] },
    });

    // Without tools, "auto"/"none" and parallel_tool_calls mean nothing; "required" cannot be met.
    const bare = responsesToChat(
      request({ input: "Hi", tool_choice: "auto", parallel_tool_calls: true }),
      MODEL,
    );
    expect(bare).toEqual({ model: MODEL, messages: [{ role: "user", content: "Hi" }] });
    expect(
      refusalOf(() => responsesToChat(request({ input: "Hi", tool_choice: "required" }), MODEL)).param,
    ).toBe("tool_choice");
    expect(
      refusalOf(() => responsesToChat(request({ ...base, tool_choice: { type: "file_search" } }), MODEL))
        .param,
    ).toBe("tool_choice");
  });

  it("text formats, verbosity, reasoning effort and logprobs", () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const chat = responsesToChat(
      request({
        input: "Hi",
        text: { format: { type: "json_schema", name: "person", schema, strict: true }, verbosity: "low" },
        reasoning: { effort: "high", summary: "auto" },
        include: ["message.output_text.logprobs", "reasoning.encrypted_content"],
        top_logprobs: 3,
      }),
      MODEL,
    );
    expect(chat.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "person", schema, strict: true },
    });
    expect(chat.verbosity).toBe("low");
    expect(chat.reasoning_effort).toBe("high");
    expect(chat.logprobs).toBe(true);
    expect(chat.top_logprobs).toBe(3);
    const json = responsesToChat(request({ input: "Hi", text: { format: { type: "json_object" } } }), MODEL);
    expect(json.response_format).toEqual({ type: "json_object" });
    expect(
      responsesToChat(request({ input: "Hi", text: { format: { type: "text" } } }), MODEL).response_format,
    ).toBeUndefined();
  });

  it("refuses what a Chat Completions target cannot do, naming the parameter", () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { tools: [{ type: "function", name: "f" }, { type: "web_search" }] },
        "tools[1]",
        /Tool type 'web_search' is not supported for model claude-sonnet-5/,
      ],
      [
        { tools: [{ type: "code_interpreter", container: { type: "auto" } }] },
        "tools[0]",
        /code_interpreter/,
      ],
      [{ tools: [{ type: "mcp", server_label: "x" }] }, "tools[0]", /'mcp'/],
      [
        {
          input: [
            {
              role: "user",
              content: [
                { type: "input_text", text: "x" },
                { type: "input_file", file_id: "f" },
              ],
            },
          ],
        },
        "input[0].content[1]",
        /input_file/,
      ],
      [
        { input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] },
        "input[0].content[0]",
        /file_id/,
      ],
      [
        { input: [{ role: "system", content: [{ type: "input_image", image_url: "https://x/y.png" }] }] },
        "input[0].content[0]",
        /only contain text/,
      ],
      [
        { input: [{ type: "computer_call_output", call_id: "c", output: {} }] },
        "input[0]",
        /computer_call_output/,
      ],
      [
        { input: [{ type: "function_call_output", call_id: "nope", output: "x" }] },
        "input[0].call_id",
        /nope/,
      ],
      [{ include: ["file_search_call.results"] }, "include[0]", /file_search_call.results/],
      [{ background: true }, "background", /Background/],
      [{ conversation: "conv_1" }, "conversation", /Conversations/],
      [{ prompt: { id: "pmpt_1" } }, "prompt", /prompts/],
      [{ truncation: "auto" }, "truncation", /truncation/],
      [{ service_tier: "ultrafast" }, "service_tier", /ultrafast/],
      [{ context_management: [{ type: "compaction" }] }, "context_management", /context_management/],
    ];
    for (const [fields, param, message] of cases) {
      const error = refusalOf(() => responsesToChat(request({ input: "Hi", ...fields }), MODEL));
      expect(error.code).toBe("invalid_request_error");
      expect(error.status).toBe(400);
      expect(error.param).toBe(param);
      expect(error.message).toMatch(message);
    }
  });

  it("an unresolved item_reference is a programming error, not a 400", () => {
    const body = request({ input: [{ type: "item_reference", id: "msg_1" }] });
    expect(() => responsesToChat(body, MODEL)).toThrow(/item_reference/);
    expect(() => responsesToChat(body, MODEL)).not.toThrow(GatewayError);
  });
});

// ---- Chat -> Response -------------------------------------------------------------------------

describe("chatToResponse", () => {
  it("a text answer: the full Response object, usage with cached and reasoning tokens", () => {
    const body = request({
      instructions: "Be brief.",
      input: "Hi",
      max_output_tokens: 100,
      metadata: { a: "b" },
    });
    const response = chatToResponse(completion({ content: "Hello!" }), body, testIds());
    expect(response).toEqual({
      id: "resp_test",
      object: "response",
      created_at: CREATED,
      status: "completed",
      completed_at: COMPLETED,
      background: false,
      error: null,
      incomplete_details: null,
      instructions: "Be brief.",
      max_output_tokens: 100,
      max_tool_calls: null,
      model: MODEL,
      output: [
        {
          id: "msg_1",
          type: "message",
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text: "Hello!", annotations: [], logprobs: [] }],
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      prompt_cache_key: null,
      reasoning: { effort: null, summary: null },
      safety_identifier: null,
      service_tier: "default",
      store: true,
      temperature: 1,
      text: { format: { type: "text" }, verbosity: "medium" },
      tool_choice: "auto",
      tools: [],
      top_logprobs: 0,
      top_p: 1,
      truncation: "disabled",
      usage: RESPONSES_USAGE,
      metadata: { a: "b" },
      access_programs: null,
    });
    expect(response).not.toHaveProperty("output_text");
  });

  it("text and parallel tool calls: a message, then one function_call per call", () => {
    const body = request({
      input: "Weather?",
      tools: [{ type: "function", name: "weather", strict: true }],
      tool_choice: "required",
    });
    const response = chatToResponse(completion(PARALLEL_CALLS, "tool_calls"), body, testIds());
    expect(response.status).toBe("completed");
    expect(response.output).toEqual([
      {
        id: "msg_1",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Checking both.", annotations: [], logprobs: [] }],
      },
      {
        id: "fc_2",
        type: "function_call",
        status: "completed",
        call_id: "call_p",
        name: "weather",
        arguments: '{"city":"Paris"}',
      },
      {
        id: "fc_3",
        type: "function_call",
        status: "completed",
        call_id: "call_r",
        name: "weather",
        arguments: '{"city":"Rome"}',
      },
    ]);
    expect(response.tools).toEqual([
      { type: "function", name: "weather", description: null, parameters: null, strict: true },
    ]);
    expect(response.tool_choice).toBe("required");
  });

  it("only tool calls: no message item", () => {
    const response = chatToResponse(
      completion(
        {
          content: "",
          tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        "tool_calls",
      ),
      request({ input: "x" }),
      testIds(),
    );
    expect(response.output.map((item) => item.type)).toEqual(["function_call"]);
  });

  it("cut by max_output_tokens or a content filter: incomplete, and so is the last item", () => {
    const cut = chatToResponse(
      completion({ content: "Once upon a" }, "length"),
      request({ input: "x" }),
      testIds(),
    );
    expect(cut.status).toBe("incomplete");
    expect(cut.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(cut.output[0]).toMatchObject({ type: "message", status: "incomplete" });
    expect(cut).not.toHaveProperty("completed_at");

    const filtered = chatToResponse(
      completion({ content: "" }, "content_filter"),
      request({ input: "x" }),
      testIds(),
    );
    expect(filtered.status).toBe("incomplete");
    expect(filtered.incomplete_details).toEqual({ reason: "content_filter" });
  });

  it("a refusal is a refusal part", () => {
    const response = chatToResponse(
      completion({ refusal: "I can't help with that." }),
      request({ input: "x" }),
      testIds(),
    );
    expect(response.output).toEqual([
      {
        id: "msg_1",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "refusal", refusal: "I can't help with that." }],
      },
    ]);
  });

  it("round trip: the stored items of a tool-calling turn translate back to the same chat turn", () => {
    const toolCalls = [
      {
        id: "call_p",
        type: "function" as const,
        function: { name: "weather", arguments: '{"city":"Paris"}' },
      },
      {
        id: "call_r",
        type: "function" as const,
        function: { name: "weather", arguments: '{"city":"Rome"}' },
      },
    ];
    const first = request({
      input: "Weather in Paris and Rome?",
      tools: [{ type: "function", name: "weather" }],
    });
    const response = chatToResponse(
      completion({ content: "Checking.", tool_calls: toolCalls }, "tool_calls"),
      first,
      testIds(),
    );
    const stored = responseInputItems(first.input, response);

    // The next turn: previous_response_id expanded by the gateway, then the tool results.
    const next = request({
      previous_response_id: response.id,
      input: [
        ...stored,
        { type: "function_call_output", call_id: "call_p", output: "21C" },
        { type: "function_call_output", call_id: "call_r", output: "25C" },
      ],
    });
    expect(responsesToChat(next, MODEL).messages).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      { role: "assistant", content: "Checking.", tool_calls: toolCalls },
      { role: "tool", tool_call_id: "call_p", content: "21C" },
      { role: "tool", tool_call_id: "call_r", content: "25C" },
    ]);
  });
});

// ---- stored items -----------------------------------------------------------------------------

describe("responseInputItems and resolveItemReferences", () => {
  it("stores the input followed by the output as input items (no instructions, no logprobs)", () => {
    const body = request({ instructions: "Be brief.", input: [{ role: "user", content: "Hi" }] });
    const response = chatToResponse(completion({ content: "Hello!" }), body, testIds());
    expect(responseInputItems(body.input, response)).toEqual([
      { role: "user", content: "Hi" },
      {
        id: "msg_1",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Hello!", annotations: [] }],
      },
    ]);
    expect(responseInputItems("Hi", { output: [] })).toEqual([
      { type: "message", role: "user", content: "Hi" },
    ]);
    expect(() => responseInputItems([{ type: "item_reference", id: "msg_1" }], { output: [] })).toThrow(
      /item_reference/,
    );
  });

  it("replaces item references through the lookup; an unknown id is a 400 naming the item", () => {
    const stored: ResponseInputItem = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      status: "completed",
      content: [],
    };
    const [reference, message] = request({ input: [{ id: "msg_1" }, { role: "user", content: "And?" }] })
      .input as TResponsesInputItem[];
    const lookup: ItemLookup = (id) => (id === "msg_1" ? stored : undefined);
    expect(resolveItemReferences([reference!, message!], lookup)).toEqual([
      stored,
      { role: "user", content: "And?" },
    ]);
    const missing = refusalOf(() =>
      resolveItemReferences([message!, { type: "item_reference", id: "x" }], lookup),
    );
    expect(missing.param).toBe("input[1]");
    expect(missing.message).toBe("Item with id 'x' not found.");
  });
});

// ---- the stream -------------------------------------------------------------------------------

describe("ChatToResponseEvents", () => {
  const body = request({ input: "Hi", tools: [{ type: "function", name: "weather" }] });

  it("a text stream: OpenAI's event order, then the same Response chatToResponse gives", async () => {
    const events = translate(body, [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo!" }),
      chunk({}, "stop"),
      usageChunk,
    ]);
    checkStream(events);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[0]).toMatchObject({ response: { status: "in_progress", output: [] } });
    expect(events[6]).toMatchObject({ text: "Hello!", item_id: "msg_1", output_index: 0, content_index: 0 });
    const final = events.at(-1) as ResponsesWireEvent & { type: "response.completed" };
    expect(final.response).toEqual(chatToResponse(completion({ content: "Hello!" }), body, testIds()));
    expect(final.response.usage).toEqual(RESPONSES_USAGE);

    const sdk = await sdkFinalResponse(events);
    expect(sdk.output_text).toBe("Hello!");
    expect(sdk).toMatchObject({ ...final.response, output_text: "Hello!" });
  });

  it("text, then two parallel tool calls whose arguments arrive interleaved", async () => {
    const events = translate(body, [
      chunk({ role: "assistant", content: "Checking " }),
      chunk({ content: "both." }),
      chunk(toolDelta(0, { id: "call_p", name: "weather", args: '{"ci' })),
      chunk(toolDelta(1, { id: "call_r", name: "weather", args: '{"city"' })),
      chunk(toolDelta(0, { args: 'ty":"Paris"}' })),
      chunk(toolDelta(1, { args: ':"Rome"}' })),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    checkStream(events);
    expect(events.map((event) => [event.type, "output_index" in event ? event.output_index : null])).toEqual([
      ["response.created", null],
      ["response.in_progress", null],
      ["response.output_item.added", 0],
      ["response.content_part.added", 0],
      ["response.output_text.delta", 0],
      ["response.output_text.delta", 0],
      ["response.output_text.done", 0],
      ["response.content_part.done", 0],
      ["response.output_item.done", 0],
      // The first call streams live...
      ["response.output_item.added", 1],
      ["response.function_call_arguments.delta", 1],
      ["response.function_call_arguments.delta", 1],
      ["response.function_call_arguments.done", 1],
      ["response.output_item.done", 1],
      // ...the second was buffered until the finish.
      ["response.output_item.added", 2],
      ["response.function_call_arguments.delta", 2],
      ["response.function_call_arguments.done", 2],
      ["response.output_item.done", 2],
      ["response.completed", null],
    ]);
    const argsDone = events.filter((event) => event.type === "response.function_call_arguments.done");
    expect(argsDone).toMatchObject([
      { item_id: "fc_2", arguments: '{"city":"Paris"}', name: "weather" },
      { item_id: "fc_3", arguments: '{"city":"Rome"}', name: "weather" },
    ]);
    const added = events.filter((event) => event.type === "response.output_item.added");
    expect(added[1]).toMatchObject({
      item: {
        id: "fc_2",
        type: "function_call",
        status: "in_progress",
        call_id: "call_p",
        name: "weather",
        arguments: "",
      },
    });

    const final = events.at(-1) as ResponsesWireEvent & { type: "response.completed" };
    const expected = chatToResponse(completion(PARALLEL_CALLS, "tool_calls"), body, testIds());
    expect(final.response).toEqual(expected);

    // The SDK adds output_text and its parse results (parsed, parsed_arguments).
    const sdk = await sdkFinalResponse(events);
    expect(sdk).toMatchObject({ ...expected, output_text: "Checking both." });
  });

  it("tool calls only, the name and id arriving after the first argument piece", async () => {
    const events = translate(body, [
      chunk({ role: "assistant", content: "" }),
      chunk(toolDelta(0, { args: "" })),
      chunk(toolDelta(0, { id: "call_1", name: "weather", args: '{"city":' })),
      chunk(toolDelta(0, { args: '"Oslo"}' })),
      chunk({}, "tool_calls"),
    ]);
    checkStream(events);
    const final = events.at(-1) as ResponsesWireEvent & { type: "response.completed" };
    expect(final.response.output).toEqual([
      {
        id: "fc_1",
        type: "function_call",
        status: "completed",
        call_id: "call_1",
        name: "weather",
        arguments: '{"city":"Oslo"}',
      },
    ]);
    await sdkFinalResponse(events);
  });

  it("cut by max_output_tokens: response.incomplete, usage from the caller when the upstream sent none", async () => {
    const events = new ChatToResponseEvents(body, testIds());
    const all = [
      ...events.push(chunk({ content: "Once upon a" })),
      ...events.push(chunk({}, "length")),
      ...events.end({
        inputTokens: 12,
        outputTokens: 3,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      }),
    ];
    checkStream(all);
    const final = all.at(-1);
    expect(final?.type).toBe("response.incomplete");
    const response = (final as ResponsesWireEvent & { type: "response.incomplete" }).response;
    expect(response).toEqual(
      chatToResponse(
        {
          ...completion({ content: "Once upon a" }, "length"),
          usage: {
            prompt_tokens: 12,
            completion_tokens: 3,
            total_tokens: 15,
          },
        },
        body,
        testIds(),
      ),
    );
    expect(response.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
    expect(events.response).toEqual(response);
    const sdk = await sdkFinalResponse(all);
    expect(sdk.status).toBe("incomplete");
  });

  it("no text and no tool calls: an empty message; end without a finish_reason is completed", () => {
    const events = translate(body, [chunk({ role: "assistant", content: "" })]);
    checkStream(events);
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const final = events.at(-1) as ResponsesWireEvent & { type: "response.completed" };
    const { usage: _, ...noUsage } = completion({ content: "" });
    expect(final.response).toEqual(chatToResponse(noUsage as ChatCompletion, body, testIds()));
  });

  it("a refusal streams as refusal events", () => {
    const events = translate(body, [
      chunk({ refusal: "I can't" }),
      chunk({ refusal: " help." }),
      chunk({}, "stop"),
    ]);
    checkStream(events);
    expect(events.map((event) => event.type).slice(3, 7)).toEqual([
      "response.content_part.added",
      "response.refusal.delta",
      "response.refusal.delta",
      "response.refusal.done",
    ]);
    const final = events.at(-1) as ResponsesWireEvent & { type: "response.completed" };
    expect(final.response.output).toEqual(
      chatToResponse(completion({ refusal: "I can't help." }), body, testIds()).output,
    );
  });

  it("a failure mid-stream: response.failed with the error and the output so far", async () => {
    const events = new ChatToResponseEvents(body, testIds());
    const all = [
      ...events.push(chunk({ content: "Partial" })),
      ...events.fail({ message: "The upstream provider (anthropic) failed.", code: "upstream_error" }),
    ];
    checkStreamFailed(all);
    const failed = all.at(-1) as ResponsesWireEvent & { type: "response.failed" };
    expect(failed.type).toBe("response.failed");
    expect(failed.response).toMatchObject({
      status: "failed",
      error: { code: "server_error", message: "The upstream provider (anthropic) failed." },
      incomplete_details: null,
      output: [
        {
          id: "msg_1",
          type: "message",
          status: "incomplete",
          content: [{ type: "output_text", text: "Partial", annotations: [], logprobs: [] }],
        },
      ],
    });
    expect(failed.response).not.toHaveProperty("completed_at");
    expect(events.push(chunk({ content: "late" }))).toEqual([]);
    expect(events.end()).toEqual([]);
    const sdk = await sdkFinalResponse(all);
    expect(sdk.status).toBe("failed");
    expect(sdk.error?.code).toBe("server_error");

    // A rate limit keeps its code; a failure before any chunk still opens the response first.
    const early = new ChatToResponseEvents(body, testIds()).fail({
      message: "Slow down.",
      code: "rate_limit_exceeded",
    });
    expect(early.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.failed",
    ]);
    expect(early[2]).toMatchObject({ response: { error: { code: "rate_limit_exceeded" }, output: [] } });
  });

  it("logprobs: on the deltas, the done event and the final part", () => {
    const logprob = (token: string) => ({
      token,
      logprob: -0.5,
      bytes: [...Buffer.from(token)],
      top_logprobs: [{ token, logprob: -0.5, bytes: [...Buffer.from(token)] }],
    });
    const withLogprobs = (content: string): ChatCompletionChunk => {
      const c = chunk({ content });
      (c.choices[0] as ChatCompletionChunk.Choice).logprobs = { content: [logprob(content)], refusal: null };
      return c;
    };
    const events = translate(body, [withLogprobs("Hi"), withLogprobs("!"), chunk({}, "stop")]);
    checkStream(events);
    const delta = events.find((event) => event.type === "response.output_text.delta");
    expect(delta).toMatchObject({
      logprobs: [{ token: "Hi", logprob: -0.5, top_logprobs: [{ token: "Hi", logprob: -0.5 }] }],
    });
    const done = events.find((event) => event.type === "response.output_text.done");
    expect(done).toMatchObject({ logprobs: [{ token: "Hi" }, { token: "!" }] });
    const final = events.at(-1) as ResponsesWireEvent & { type: "response.completed" };
    expect(final.response.output[0]).toMatchObject({
      content: [
        {
          logprobs: [
            { token: "Hi", bytes: [72, 105] },
            { token: "!", bytes: [33] },
          ],
        },
      ],
    });
  });
});

/** checkStream for a failed stream, whose open item is never closed. */
function checkStreamFailed(events: ResponsesWireEvent[]): void {
  events.forEach((event, i) => {
    expect(event.sequence_number).toBe(i);
  });
  expect(events.slice(0, 2).map((event) => event.type)).toEqual(["response.created", "response.in_progress"]);
  expect(events.at(-1)?.type).toBe("response.failed");
}

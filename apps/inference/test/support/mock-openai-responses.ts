// OpenAI's Responses API for the mock upstream (mock-openai.ts): request validation as strict as the
// real API's (its error wording, params and codes), the Response object, and its SSE events. Plain
// JSON, no SDK types (node_modules/openai/resources/responses/responses.d.ts is the reference).
//
// Wire details kept as OpenAI sends them: every stream event is an `event: <type>` line plus a
// `data:` line carrying `type` and `sequence_number` (from 0), and the stream ends after
// response.completed / response.incomplete without a `data: [DONE]` line. An in-stream failure is
// an `error` event whose details are nested under `error` (what the API sends, unlike its published
// schema; the SDK's ResponseStream reads both), after which the stream ends.
import type { MockBehavior } from "./mock-openai.ts";
import { countTokens, errorBody, type MockErrorBody, type MockToolCall } from "./mock-openai-payloads.ts";

export type ResponsesReply =
  | { status: number; payload: unknown; frames?: undefined }
  | { frames: string[]; errorFrame: (sequence: number) => string };

const CREATE_PARAMS = new Set([
  "access_programs",
  "background",
  "context_management",
  "conversation",
  "image",
  "include",
  "input",
  "instructions",
  "max_output_tokens",
  "max_tool_calls",
  "metadata",
  "model",
  "moderation",
  "parallel_tool_calls",
  "previous_response_id",
  "prompt",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "reasoning",
  "safety_identifier",
  "service_tier",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "text",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "truncation",
  "user",
]);
const COUNT_PARAMS = new Set([
  "conversation",
  "input",
  "instructions",
  "model",
  "parallel_tool_calls",
  "personality",
  "previous_response_id",
  "reasoning",
  "text",
  "tool_choice",
  "tools",
  "truncation",
]);
/** Every input item type of ResponseInputItem (an item without `type` is a message when it has a
 *  `role`, else an item_reference). */
const INPUT_ITEM_TYPES = [
  "additional_tools",
  "apply_patch_call",
  "apply_patch_call_output",
  "code_interpreter_call",
  "compaction",
  "compaction_trigger",
  "computer_call",
  "computer_call_output",
  "configuration_update",
  "custom_tool_call",
  "custom_tool_call_output",
  "file_search_call",
  "function_call",
  "function_call_output",
  "image_generation_call",
  "item_reference",
  "local_shell_call",
  "local_shell_call_output",
  "mcp_approval_request",
  "mcp_approval_response",
  "mcp_call",
  "mcp_list_tools",
  "message",
  "program",
  "program_output",
  "reasoning",
  "shell_call",
  "shell_call_output",
  "tool_search_call",
  "tool_search_output",
  "web_search_call",
];
const KNOWN_ITEM_TYPES = new Set(INPUT_ITEM_TYPES);
const SUPPORTED_ITEM_TYPES = INPUT_ITEM_TYPES.map((t) => `'${t}'`).join(", ");
const MIN_OUTPUT_TOKENS = 16;

let responseCount = 0;

/** The reply to POST /v1/responses (or, with `count`, /v1/responses/input_tokens). */
export function responsesReply(
  body: Record<string, unknown>,
  pieces: string[],
  echo: string | undefined,
  behavior: MockBehavior,
  count = false,
): ResponsesReply {
  const invalid = validateResponsesRequest(body, count);
  if (invalid) return invalid;
  const inputTokens = behavior.usage?.promptTokens ?? responsesInputTokens(body);
  if (count) return { status: 200, payload: { object: "response.input_tokens", input_tokens: inputTokens } };

  const suffix = (++responseCount).toString(16).padStart(12, "0");
  const calls = responsesToolCalls(body, suffix);
  const max = typeof body.max_output_tokens === "number" ? body.max_output_tokens : Number.POSITIVE_INFINITY;
  let outputTokens = echo === undefined ? pieces.length : countTokens(echo);
  let cut = false;
  if (calls.length === 0 && max < outputTokens) {
    // The text stops where the budget ran out: status "incomplete", as OpenAI answers.
    pieces = echo === undefined ? pieces.slice(0, max) : [echo.slice(0, max * 4)];
    outputTokens = max;
    cut = true;
  }
  const usage = behavior.usage?.omit
    ? null
    : responsesUsage(
        inputTokens,
        behavior.usage?.completionTokens ?? outputTokens,
        behavior.usage?.cachedTokens ?? 0,
        behavior.usage?.reasoningTokens ?? 0,
      );
  const shell = responseShell(body, `resp_mock${suffix}`);
  const messageId = `msg_mock${suffix}`;
  const status = cut ? "incomplete" : "completed";
  const incomplete = cut ? { reason: "max_output_tokens" } : null;
  const text = pieces.join("");
  const output =
    calls.length > 0
      ? calls.map((c) => functionCallItem(c, "completed"))
      : [messageItem(messageId, text, status)];
  const completedAt = Math.floor(Date.now() / 1000);

  if (body.stream !== true) {
    const response = finish(shell, status, incomplete, output, usage, completedAt);
    return { status: 200, payload: echo === undefined ? response : { ...response, echo: body } };
  }

  const frames: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    frames.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: frames.length, ...fields })}\n\n`,
    );
  const inProgress = { ...shell, status: "in_progress", completed_at: null, incomplete_details: null };
  emit("response.created", { response: { ...inProgress, output: [], usage: null } });
  emit("response.in_progress", { response: { ...inProgress, output: [], usage: null } });
  if (calls.length === 0) {
    const part = { type: "output_text", annotations: [], logprobs: [], text: "" };
    const at = { item_id: messageId, output_index: 0 };
    emit("response.output_item.added", {
      output_index: 0,
      item: messageItem(messageId, undefined, "in_progress"),
    });
    emit("response.content_part.added", { ...at, content_index: 0, part });
    for (const delta of pieces) {
      emit("response.output_text.delta", { ...at, content_index: 0, delta, logprobs: [] });
    }
    emit("response.output_text.done", { ...at, content_index: 0, text, logprobs: [] });
    emit("response.content_part.done", { ...at, content_index: 0, part: { ...part, text } });
    emit("response.output_item.done", { output_index: 0, item: output[0] });
  } else {
    calls.forEach((call, index) => {
      const at = { item_id: `fc_${call.id.slice(5)}`, output_index: index };
      emit("response.output_item.added", {
        output_index: index,
        item: { ...functionCallItem(call, "in_progress"), arguments: "" },
      });
      for (const delta of splitInThree(call.arguments)) {
        emit("response.function_call_arguments.delta", { ...at, delta });
      }
      emit("response.function_call_arguments.done", { ...at, arguments: call.arguments });
      emit("response.output_item.done", { output_index: index, item: output[index] });
    });
  }
  emit(cut ? "response.incomplete" : "response.completed", {
    response: finish(shell, status, incomplete, output, usage, completedAt),
  });
  return { frames, errorFrame: (sequence) => responsesErrorFrame(sequence, behavior.error) };
}

/** OpenAI's in-stream failure: an `error` event with the details nested, as the API sends it. */
export function responsesErrorFrame(sequence: number, override: Partial<MockErrorBody> = {}): string {
  const error = { ...errorBody(500, undefined).error, code: "server_error", ...override };
  return `event: error\ndata: ${JSON.stringify({ type: "error", sequence_number: sequence, error })}\n\n`;
}

/** The first of the API's own 400/404s for this body, or undefined when it would be accepted. */
export function validateResponsesRequest(
  body: Record<string, unknown>,
  count = false,
): { status: number; payload: { error: MockErrorBody } } | undefined {
  const known = count ? COUNT_PARAMS : CREATE_PARAMS;
  for (const key in body) {
    if (!known.has(key)) return invalid(`Unknown parameter: '${key}'.`, key, "unknown_parameter");
  }
  const { model, input } = body;
  if (model === undefined || model === null) {
    if (!count) return invalid("Missing required parameter: 'model'.", "model", "missing_required_parameter");
  } else if (typeof model !== "string") {
    return invalid(
      `Invalid type for 'model': expected a string, but got ${typeName(model)} instead.`,
      "model",
      "invalid_type",
    );
  } else if (model === "") {
    return invalid(
      "Invalid 'model': empty string. Expected a string with minimum length 1, but got an empty string instead.",
      "model",
      "empty_string",
    );
  }
  // The mock stores nothing, so every id is unknown to it (the gateway must expand these itself).
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    return invalid(
      `Previous response with id '${String(body.previous_response_id)}' not found.`,
      "previous_response_id",
      "previous_response_not_found",
    );
  }
  if ((input === undefined || input === null) && !count) {
    return invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  }
  const max = body.max_output_tokens;
  if (typeof max === "number" && max < MIN_OUTPUT_TOKENS) {
    return invalid(
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${MIN_OUTPUT_TOKENS}, but got ${max} instead.`,
      "max_output_tokens",
      "integer_below_min_value",
    );
  }
  return Array.isArray(input) ? validateInputItems(input) : undefined;
}

function validateInputItems(input: unknown[]) {
  const callIds = new Set<unknown>();
  for (let i = 0; i < input.length; i++) {
    const item = input[i] as Record<string, unknown> | null;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      return invalid(
        `Invalid type for 'input[${i}]': expected an object, but got ${typeName(item)} instead.`,
        `input[${i}]`,
        "invalid_type",
      );
    }
    const type =
      item.type ?? (item.role !== undefined ? "message" : "id" in item ? "item_reference" : undefined);
    if (type === undefined) {
      return invalid(
        `Missing required parameter: 'input[${i}].type'.`,
        `input[${i}].type`,
        "missing_required_parameter",
      );
    }
    if (typeof type !== "string" || !KNOWN_ITEM_TYPES.has(type)) {
      return invalid(
        `Invalid value: '${String(type)}'. Supported values are: ${SUPPORTED_ITEM_TYPES}.`,
        `input[${i}].type`,
        "invalid_value",
      );
    }
    if (type === "item_reference") {
      return invalid(`Item with id '${String(item.id)}' not found.`, "input", null, 404);
    }
    if (type === "function_call") callIds.add(item.call_id);
    else if (type === "function_call_output" && !callIds.has(item.call_id)) {
      return invalid(
        `No tool call found for function call output with call_id ${String(item.call_id)}.`,
        "input",
        null,
      );
    }
  }
  return undefined;
}

function invalid(message: string, param: string | null, code: string | null, status = 400) {
  return { status, payload: { error: { message, type: "invalid_request_error", param, code } } };
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** Input tokens as the mock counts them: the input (text, or its items' JSON) plus instructions. */
export function responsesInputTokens(body: Record<string, unknown>): number {
  const { input, instructions } = body;
  const text = typeof input === "string" ? input : JSON.stringify(input ?? "");
  return countTokens(text) + (typeof instructions === "string" ? countTokens(instructions) : 0);
}

/** One function_call per offered function tool (the one tool_choice names, if it names one), at
 *  most two (one when parallel_tool_calls is false); none when tool_choice is "none". */
export function responsesToolCalls(body: Record<string, unknown>, suffix: string): MockToolCall[] {
  if (!Array.isArray(body.tools) || body.tool_choice === "none") return [];
  let tools = (body.tools as Array<{ type?: unknown; name?: unknown }>).filter((t) => t?.type === "function");
  const choice = body.tool_choice as { type?: unknown; name?: unknown } | undefined;
  if (choice?.type === "function") tools = tools.filter((t) => t.name === choice.name);
  const count = body.parallel_tool_calls === false ? 1 : Math.min(2, tools.length);
  return tools.slice(0, count).map((tool, i) => ({
    id: `call_mock${suffix}${i}`,
    name: typeof tool.name === "string" ? tool.name : `tool_${i}`,
    arguments: JSON.stringify({ query: "mock", call: i }),
  }));
}

function responsesUsage(input: number, output: number, cached: number, reasoning: number) {
  return {
    input_tokens: input,
    input_tokens_details: { cache_write_tokens: 0, cached_tokens: cached },
    output_tokens: output + reasoning,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output + reasoning,
  };
}

/** The request's settings as the API echoes them (its defaults where the request has none). */
function responseShell(body: Record<string, unknown>, id: string) {
  const reasoning = body.reasoning as { effort?: unknown; summary?: unknown } | null | undefined;
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    background: body.background ?? false,
    error: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: body.model,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    prompt_cache_retention: body.prompt_cache_retention ?? null,
    reasoning: { effort: reasoning?.effort ?? null, summary: reasoning?.summary ?? null },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: "default",
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: "text" }, verbosity: "medium", ...(body.text as object | undefined) },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? "disabled",
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

function finish(
  shell: ReturnType<typeof responseShell>,
  status: string,
  incomplete: { reason: string } | null,
  output: unknown[],
  usage: ReturnType<typeof responsesUsage> | null,
  completedAt: number,
) {
  return { ...shell, status, completed_at: completedAt, incomplete_details: incomplete, output, usage };
}

/** An assistant message item; without text: the opening one (no content yet). */
function messageItem(id: string, text: string | undefined, status: string) {
  return {
    id,
    type: "message",
    status,
    content: text === undefined ? [] : [{ type: "output_text", annotations: [], logprobs: [], text }],
    role: "assistant",
  };
}

function functionCallItem(call: MockToolCall, status: string) {
  return {
    id: `fc_${call.id.slice(5)}`,
    type: "function_call",
    status,
    arguments: call.arguments,
    call_id: call.id,
    name: call.name,
  };
}

function splitInThree(text: string): string[] {
  const step = Math.ceil(text.length / 3);
  return [text.slice(0, step), text.slice(step, 2 * step), text.slice(2 * step)].filter((s) => s.length > 0);
}

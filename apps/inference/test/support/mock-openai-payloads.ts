// OpenAI wire-format bodies for the mock upstream (mock-openai.ts): chat completions and their SSE
// chunks, legacy completions, embeddings, models and error bodies. Plain JSON, no SDK types, so the
// mock says exactly what a real upstream says.

export interface MockUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

export interface MockToolCall {
  id: string;
  name: string;
  arguments: string;
}

export const MOCK_CREATED = Math.floor(Date.now() / 1000);
export const CHAT_ID = "chatcmpl-mock0000000000000000000000";
export const COMPLETION_ID = "cmpl-mock0000000000000000000000000";
const WORDS = ["Hello", " from", " the", " mock", " upstream", "."];

/** The content deltas for `count` chunks: "Hello from the mock upstream." then " word6", " word7"... */
export function contentPieces(count: number): string[] {
  return Array.from({ length: count }, (_, i) => WORDS[i] ?? ` word${i}`);
}

/** Roughly four characters a token, never zero: deterministic, so tests can predict it. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function makeUsage(prompt: number, completion: number, cached = 0, reasoning = 0): MockUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion + reasoning,
    total_tokens: prompt + completion + reasoning,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** One tool call per offered tool, at most two (one when parallel_tool_calls is false). */
export function toolCallsFor(body: Record<string, unknown>): MockToolCall[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  if (tools.length === 0 || body.tool_choice === "none") return [];
  const count = body.parallel_tool_calls === false ? 1 : Math.min(2, tools.length);
  return tools.slice(0, count).map((tool, i) => ({
    id: `call_mock${i}`,
    name: tool.function?.name ?? `tool_${i}`,
    arguments: JSON.stringify({ query: "mock", call: i }),
  }));
}

/** `n` choices alike; `usage` undefined: none reported (as some OpenAI-compatible hosts do). */
export function chatCompletion(
  model: string,
  content: string,
  toolCalls: MockToolCall[],
  usage: MockUsage | undefined,
  n = 1,
  finish: "stop" | "length" = "stop",
) {
  const message =
    toolCalls.length > 0
      ? {
          role: "assistant",
          content: null,
          tool_calls: toolCalls.map((c) => ({
            id: c.id,
            type: "function",
            function: { name: c.name, arguments: c.arguments },
          })),
          refusal: null,
          annotations: [],
        }
      : { role: "assistant", content, refusal: null, annotations: [] };
  return {
    id: CHAT_ID,
    object: "chat.completion",
    created: MOCK_CREATED,
    model,
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      message,
      logprobs: null,
      finish_reason: toolCalls.length > 0 ? "tool_calls" : finish,
    })),
    ...(usage ? { usage } : {}),
    service_tier: "default",
    system_fingerprint: "fp_mock",
  };
}

export const sse = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;
export const SSE_DONE = "data: [DONE]\n\n";

/** Chat chunk frames up to and including the finish chunks of `n` choices (no usage chunk, no [DONE]). */
export function chatChunkFrames(
  model: string,
  pieces: string[],
  toolCalls: MockToolCall[],
  includeUsage: boolean,
  n = 1,
  finish: "stop" | "length" = "stop",
): string[] {
  if (n > 1) {
    // One choice after the other: each choice's frames, re-indexed.
    const one = chatChunkFrames(model, pieces, toolCalls, includeUsage, 1, finish);
    return Array.from({ length: n }, (_, index) =>
      one.map((frame) => frame.replace('"choices":[{"index":0,', `"choices":[{"index":${index},`)),
    ).flat();
  }
  const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
    sse({
      id: CHAT_ID,
      object: "chat.completion.chunk",
      created: MOCK_CREATED,
      model,
      service_tier: "default",
      system_fingerprint: "fp_mock",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
  if (toolCalls.length === 0) {
    return [
      frame({ role: "assistant", content: "", refusal: null }),
      ...pieces.map((content) => frame({ content })),
      frame({}, finish),
    ];
  }
  const frames: string[] = [];
  toolCalls.forEach((call, index) => {
    const opening = { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
    frames.push(
      frame(
        index === 0
          ? { role: "assistant", content: null, tool_calls: [opening], refusal: null }
          : { tool_calls: [opening] },
      ),
    );
    for (const part of splitInThree(call.arguments)) {
      frames.push(frame({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
  });
  frames.push(frame({}, "tool_calls"));
  return frames;
}

export function chatUsageFrame(model: string, usage: MockUsage): string {
  return sse({
    id: CHAT_ID,
    object: "chat.completion.chunk",
    created: MOCK_CREATED,
    model,
    service_tier: "default",
    system_fingerprint: "fp_mock",
    choices: [],
    usage,
  });
}

export function textCompletion(model: string, text: string, usage: MockUsage | undefined, n = 1) {
  return {
    id: COMPLETION_ID,
    object: "text_completion",
    created: MOCK_CREATED,
    model,
    choices: Array.from({ length: n }, (_, index) => ({
      text,
      index,
      logprobs: null,
      finish_reason: "stop",
    })),
    ...(usage
      ? {
          usage: {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            total_tokens: usage.total_tokens,
          },
        }
      : {}),
    system_fingerprint: "fp_mock",
  };
}

/** Legacy completion stream frames: text pieces, then a finish chunk, then (if asked) usage. */
export function completionFrames(model: string, pieces: string[], usage: MockUsage | undefined): string[] {
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sse({
      id: COMPLETION_ID,
      object: "text_completion",
      created: MOCK_CREATED,
      choices,
      model,
      system_fingerprint: "fp_mock",
      ...extra,
    });
  const nullUsage = usage ? { usage: null } : {};
  const choice = (text: string, finish: string | null) => ({
    text,
    index: 0,
    logprobs: null,
    finish_reason: finish,
  });
  return [
    ...pieces.map((text) => frame([choice(text, null)], nullUsage)),
    frame([choice("", "stop")], nullUsage),
    ...(usage
      ? [
          frame([], {
            usage: {
              prompt_tokens: usage.prompt_tokens,
              completion_tokens: usage.completion_tokens,
              total_tokens: usage.total_tokens,
            },
          }),
        ]
      : []),
  ];
}

/** The mock's embedding of one input: deterministic float32 values, so base64 round-trips exactly. */
export function mockEmbedding(input: unknown, dimensions: number): number[] {
  const text = typeof input === "string" ? input : JSON.stringify(input);
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619) >>> 0;
  return Array.from({ length: dimensions }, (_, i) => Math.fround(Math.sin(seed + i * 1.7)));
}

export function embeddingsResponse(body: Record<string, unknown>, withUsage = true) {
  const raw = body.input;
  const inputs: unknown[] =
    typeof raw === "string" || (Array.isArray(raw) && typeof raw[0] === "number")
      ? [raw]
      : Array.isArray(raw)
        ? raw
        : [];
  const dimensions = typeof body.dimensions === "number" ? body.dimensions : 8;
  const base64 = body.encoding_format === "base64";
  const data = inputs.map((input, index) => {
    const vector = mockEmbedding(input, dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
    return { object: "embedding", index, embedding };
  });
  const tokens = inputs.reduce<number>(
    (sum, input) =>
      sum + (typeof input === "string" ? countTokens(input) : Array.isArray(input) ? input.length : 1),
    0,
  );
  const usage = withUsage ? { usage: { prompt_tokens: tokens, total_tokens: tokens } } : {};
  return { object: "list", data, model: body.model, ...usage };
}

export function modelsResponse(ids: string[]) {
  return {
    object: "list",
    data: ids.map((id) => ({ id, object: "model", created: MOCK_CREATED, owned_by: "mock" })),
  };
}

export interface MockErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** OpenAI's error body for a status, with the fields it really uses for that status. */
export function errorBody(status: number, model: unknown, override: Partial<MockErrorBody> = {}) {
  const base: MockErrorBody =
    status === 401
      ? {
          message: "Incorrect API key provided.",
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        }
      : status === 404
        ? {
            message: `The model \`${String(model)}\` does not exist or you do not have access to it.`,
            type: "invalid_request_error",
            param: null,
            code: "model_not_found",
          }
        : status === 429
          ? {
              message: "Rate limit reached for requests (mock).",
              type: "requests",
              param: null,
              code: "rate_limit_exceeded",
            }
          : status >= 500
            ? {
                message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error",
                param: null,
                code: null,
              }
            : { message: "Invalid request (mock).", type: "invalid_request_error", param: null, code: null };
  return { error: { ...base, ...override } };
}

function splitInThree(text: string): string[] {
  const step = Math.ceil(text.length / 3);
  return [text.slice(0, step), text.slice(step, 2 * step), text.slice(2 * step)].filter((s) => s.length > 0);
}

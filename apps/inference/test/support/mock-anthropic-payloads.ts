// Anthropic wire-format payloads for the mock upstream (mock-anthropic.ts): Message JSON, the SSE
// event sequence of a streamed Message, error bodies and model pages, shaped like the real API's.

export interface MockToolUse {
  name: string;
  input: Record<string, unknown>;
}

export interface MockUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type MockBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface MockAnswer {
  id: string;
  model: string;
  blocks: MockBlock[];
  stopReason: string;
  usage: MockUsage;
}

export const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  overloaded_error: "Overloaded",
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit",
  authentication_error: "invalid x-api-key",
  api_error: "Internal server error",
};

/** Anthropic's error body: {"type":"error","error":{"type":...,"message":...},"request_id":...}. */
export function errorBody(status: number, type?: string, message?: string) {
  const errorType = type ?? ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return {
    type: "error",
    error: { type: errorType, message: message ?? ERROR_MESSAGES[errorType] ?? "Invalid request" },
    request_id: "req_mock",
  };
}

/** A plausible input for a JSON schema: strings "<name>-value", numbers 1, booleans true. */
export function sampleInput(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  const input: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties ?? {})) {
    const type = property?.type;
    input[name] = type === "number" || type === "integer" ? 1 : type === "boolean" ? true : `${name}-value`;
  }
  return input;
}

export function messageJson(answer: MockAnswer) {
  return {
    id: answer.id,
    type: "message",
    role: "assistant",
    model: answer.model,
    content: answer.blocks.map((block) => (block.type === "text" ? { ...block, citations: null } : block)),
    stop_reason: answer.stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    usage: usageJson(answer.usage),
  };
}

function usageJson(usage: MockUsage) {
  return {
    ...usage,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    },
    server_tool_use: null,
    service_tier: "standard",
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
}

/** One SSE frame the way Anthropic writes it. */
export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Splits text into a few pieces (words with their trailing space) for text_delta events. */
export function textPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** JSON input split into short fragments, after the empty first fragment the real API sends. */
export function jsonFragments(input: Record<string, unknown>, size = 6): string[] {
  const json = JSON.stringify(input);
  const fragments = [""];
  for (let i = 0; i < json.length; i += size) fragments.push(json.slice(i, i + size));
  return fragments;
}

/**
 * The full event sequence of a streamed answer: message_start, per block content_block_start /
 * deltas / content_block_stop (a ping after the first block starts, as the real API does),
 * message_delta with the stop reason and cumulative output tokens, message_stop.
 */
export function streamFrames(answer: MockAnswer): string[] {
  const frames: string[] = [];
  frames.push(
    sse("message_start", {
      type: "message_start",
      message: {
        ...messageJson({ ...answer, blocks: [] }),
        stop_reason: null,
        usage: usageJson({ ...answer.usage, output_tokens: 1 }),
      },
    }),
  );
  answer.blocks.forEach((block, index) => {
    const start =
      block.type === "text"
        ? { type: "text", text: "", citations: null }
        : { type: "tool_use", id: block.id, name: block.name, input: {} };
    frames.push(sse("content_block_start", { type: "content_block_start", index, content_block: start }));
    if (index === 0) frames.push(sse("ping", { type: "ping" }));
    const deltas =
      block.type === "text"
        ? textPieces(block.text).map((text) => ({ type: "text_delta", text }))
        : jsonFragments(block.input).map((partial_json) => ({ type: "input_json_delta", partial_json }));
    for (const delta of deltas) {
      frames.push(sse("content_block_delta", { type: "content_block_delta", index, delta }));
    }
    frames.push(sse("content_block_stop", { type: "content_block_stop", index }));
  });
  frames.push(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: answer.stopReason, stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: answer.usage.input_tokens,
        output_tokens: answer.usage.output_tokens,
        cache_read_input_tokens: answer.usage.cache_read_input_tokens,
        cache_creation_input_tokens: answer.usage.cache_creation_input_tokens,
        output_tokens_details: null,
        server_tool_use: null,
      },
    }),
  );
  frames.push(sse("message_stop", { type: "message_stop" }));
  return frames;
}

/** GET /v1/models page: { data, has_more, first_id, last_id }, newest first like the real API. */
export function modelsPage(models: string[], query: URLSearchParams, pageSize: number) {
  const limit = Math.min(Number(query.get("limit") ?? 20) || 20, pageSize);
  const afterId = query.get("after_id");
  const start = afterId ? models.indexOf(afterId) + 1 : 0;
  const slice = models.slice(start, start + limit);
  return {
    data: slice.map((id) => ({
      type: "model",
      id,
      display_name: id.replace(/^claude-/, "Claude ").replace(/-/g, " "),
      created_at: "2026-01-01T00:00:00Z",
    })),
    has_more: start + limit < models.length,
    first_id: slice[0] ?? null,
    last_id: slice.at(-1) ?? null,
  };
}

/** A rough token count (4 characters a token), enough for plausible usage numbers. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

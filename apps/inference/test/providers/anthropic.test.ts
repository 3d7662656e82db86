import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicAdapter } from "../../src/providers/anthropic/anthropic-adapter.ts";
import { defaultMaxTokens } from "../../src/providers/anthropic/anthropic-request.ts";
import { type ProviderAdapter, UpstreamError, type UpstreamFailureKind } from "../../src/providers/types.ts";
import { isAbortError } from "../../src/providers/upstream-errors.ts";
import { DEFAULT_TEXT, type MockAnthropic, startMockAnthropic } from "../support/mock-anthropic.ts";

// Shaped to slip past pattern-based sanitizing, so the adapter's own redaction is what is tested.
const API_KEY = "AnthropicTestCredential42";
const MODEL = "claude-sonnet-5-5";
const TOOLS = [
  {
    type: "function" as const,
    function: {
      name: "weather",
      description: "Weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
  {
    type: "function" as const,
    function: {
      name: "population",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  },
];

let mock: MockAnthropic;
let adapter: ProviderAdapter;
const seenErrors: unknown[] = [];

beforeAll(async () => {
  mock = await startMockAnthropic({ models: ["claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"] });
  adapter = createAnthropicAdapter({ apiKey: API_KEY, baseURL: mock.url });
});
afterEach(() => {
  mock.setBehavior(undefined);
  mock.requests.length = 0;
});
afterAll(async () => {
  await mock.close();
  // No error from any test carried the key.
  expect(seenErrors.length).toBeGreaterThan(5);
  for (const error of seenErrors) expect(String((error as Error).message)).not.toContain(API_KEY);
});

const call = (timeoutMs = 5_000, signal: AbortSignal = new AbortController().signal) => ({
  signal,
  timeoutMs,
});

function chatParams(
  extra: Partial<ChatCompletionCreateParamsNonStreaming> = {},
): ChatCompletionCreateParamsNonStreaming {
  return {
    model: MODEL,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: "Use metric units." },
      { role: "user", content: "Weather in Paris?" },
    ],
    ...extra,
  };
}

function streamParams(
  extra: Partial<ChatCompletionCreateParamsStreaming> = {},
): ChatCompletionCreateParamsStreaming {
  return { ...chatParams(), stream: true, ...extra } as ChatCompletionCreateParamsStreaming;
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function failure(run: Promise<unknown>): Promise<unknown> {
  try {
    await run;
  } catch (error) {
    seenErrors.push(error);
    return error;
  }
  throw new Error("expected a failure");
}

async function upstreamFailure(run: Promise<unknown>, kind: UpstreamFailureKind): Promise<UpstreamError> {
  const error = await failure(run);
  expect(error).toBeInstanceOf(UpstreamError);
  expect((error as UpstreamError).kind).toBe(kind);
  expect((error as UpstreamError).details.provider).toBe("anthropic");
  return error as UpstreamError;
}

describe("Anthropic adapter", () => {
  it("answers a chat and sends Anthropic the request it accepts", async () => {
    const completion = await adapter.chat(chatParams({ temperature: 0.7, top_p: 0.9, user: "u-1" }), call());
    expect(adapter.kind).toBe("anthropic");
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: MODEL,
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: DEFAULT_TEXT } }],
    });
    expect(completion.id).toMatch(/^chatcmpl-mock\d+$/);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);

    const [request] = mock.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v1/messages");
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.headers["anthropic-version"]).toBe("2026-10-21");
    expect(request?.body).toEqual({
      model: MODEL,
      max_tokens: defaultMaxTokens(MODEL),
      system: "Be brief.\n\nUse metric units.",
      messages: [{ role: "user", content: [{ type: "text", text: "Weather in Paris?" }] }],
      metadata: { user_id: "u-1" },
      stream: false,
    });
  });

  it("streams text, a finish chunk and a final usage chunk with cache tokens", async () => {
    mock.setBehavior({ usage: { cacheRead: 1000, cacheCreation: 200 } });
    const stream = await adapter.chatStream(streamParams({ max_completion_tokens: 256 }), call());
    const chunks = await collect(stream);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(DEFAULT_TEXT);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const usage = chunks.at(-1)?.usage;
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(usage?.prompt_tokens_details).toEqual({ cached_tokens: 1000, cache_write_tokens: 200 });
    expect(usage?.prompt_tokens).toBeGreaterThan(1200);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    expect(mock.requests[0]?.body).toMatchObject({ stream: true, max_tokens: 256 });
  });

  it("answers with parallel tool calls, non-stream", async () => {
    const completion = await adapter.chat(chatParams({ tools: TOOLS }), call());
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBe("Let me look that up.");
    expect(choice?.message.tool_calls).toEqual([
      {
        id: expect.any(String),
        type: "function",
        function: { name: "weather", arguments: '{"city":"city-value"}' },
      },
      {
        id: expect.any(String),
        type: "function",
        function: { name: "population", arguments: '{"city":"city-value"}' },
      },
    ]);
    expect(mock.requests[0]?.body.tools).toEqual([
      {
        name: "weather",
        description: "Weather for a city",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
      { name: "population", input_schema: { type: "object", properties: { city: { type: "string" } } } },
    ]);
  });

  it("streams parallel tool calls with per-call indexes and argument fragments", async () => {
    const stream = await adapter.chatStream(streamParams({ tools: TOOLS }), call());
    const chunks = await collect(stream);
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    for (const chunk of chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = calls.get(delta.index) ?? { args: "" };
        if (delta.id) entry.id = delta.id;
        if (delta.function?.name) entry.name = delta.function.name;
        entry.args += delta.function?.arguments ?? "";
        calls.set(delta.index, entry);
      }
    }
    expect([...calls.keys()]).toEqual([0, 1]);
    expect([...calls.values()].map((entry) => [entry.name, JSON.parse(entry.args)])).toEqual([
      ["weather", { city: "city-value" }],
      ["population", { city: "city-value" }],
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("reports 529 overloaded as a server failure, before a stream starts too", async () => {
    mock.setBehavior({ status: 529 });
    const error = await upstreamFailure(adapter.chat(chatParams(), call()), "server");
    expect(error.details).toMatchObject({ status: 529, upstreamCode: "overloaded_error" });
    const streamError = await upstreamFailure(adapter.chatStream(streamParams(), call()), "server");
    expect(streamError.details.status).toBe(529);
  });

  it("reports 429 as rate_limit with retry-after, and 500 as server", async () => {
    mock.setBehavior({ status: 429, retryAfter: "2" });
    const limited = await upstreamFailure(adapter.chat(chatParams(), call()), "rate_limit");
    expect(limited.details).toMatchObject({
      status: 429,
      retryAfterMs: 2000,
      upstreamCode: "rate_limit_error",
    });
    mock.setBehavior({ status: 500 });
    await upstreamFailure(adapter.chatStream(streamParams(), call()), "server");
  });

  it("reports 400 as a client failure with a sanitized message, and 401 as auth", async () => {
    mock.setBehavior({ status: 400, errorMessage: `messages.0: bad block (key ${API_KEY})\n{"raw":1}` });
    const error = await upstreamFailure(adapter.chat(chatParams(), call()), "client");
    expect(error.details).toMatchObject({ status: 400, upstreamCode: "invalid_request_error" });
    expect(error.message).toContain("messages.0: bad block");
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain("\n");
    mock.setBehavior({ status: 401 });
    const auth = await upstreamFailure(adapter.chat(chatParams(), call()), "auth");
    expect(auth.details.status).toBe(401);
  });

  it("refuses untranslatable requests as client failures without calling Anthropic", async () => {
    const bad = chatParams({
      messages: [
        { role: "user", content: "Hi" },
        {
          role: "assistant",
          tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{oops" } }],
        },
      ],
    });
    const error = await upstreamFailure(adapter.chat(bad, call()), "client");
    expect(error.details.param).toBe("messages[1].tool_calls[0].function.arguments");
    const n = await upstreamFailure(adapter.chatStream(streamParams({ n: 3 }), call()), "client");
    expect(n.details.param).toBe("n");
    expect(mock.requests).toHaveLength(0);
  });

  it("times out when Anthropic is slow to answer", async () => {
    mock.setBehavior({ headersDelayMs: 2_000 });
    await upstreamFailure(adapter.chat(chatParams(), call(150)), "timeout");
    await upstreamFailure(adapter.chatStream(streamParams(), call(150)), "timeout");
  });

  it("fails with a connection error while iterating when the socket is reset mid-stream", async () => {
    mock.setBehavior({ resetAfterEvents: 4 });
    const stream = await adapter.chatStream(streamParams(), call());
    const seen: ChatCompletionChunk[] = [];
    const error = await upstreamFailure(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
      "connection",
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(error.details.status).toBeUndefined();
    expect(await mock.requests[0]?.done).toBe("reset");
  });

  it("fails with a connection error when the stream ends before message_stop", async () => {
    mock.setBehavior({ endAfterEvents: 6 });
    const stream = await adapter.chatStream(streamParams(), call());
    const error = await upstreamFailure(collect(stream), "connection");
    expect(error.message).toMatch(/before message_stop/);
  });

  it("fails with a server error while iterating on an in-stream error event", async () => {
    mock.setBehavior({ streamErrorAfterEvents: 5 });
    const stream = await adapter.chatStream(streamParams(), call());
    const error = await upstreamFailure(collect(stream), "server");
    expect(error.details.upstreamCode).toBe("overloaded_error");
  });

  it("stays an abort when the caller cancels mid-stream, and the socket is closed", async () => {
    mock.setBehavior({ stallAfterEvents: 4 });
    const controller = new AbortController();
    const stream = await adapter.chatStream(streamParams(), call(5_000, controller.signal));
    const error = await failure(
      (async () => {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) controller.abort();
        }
      })(),
    );
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(isAbortError(error)).toBe(true);
    expect(await mock.requests[0]?.done).toBe("client_closed");
  });

  it("stays an abort when the caller cancels before headers", async () => {
    mock.setBehavior({ headersDelayMs: 2_000 });
    const controller = new AbortController();
    const pending = adapter.chat(chatParams(), call(5_000, controller.signal));
    setTimeout(() => controller.abort(), 50);
    expect(isAbortError(await failure(pending))).toBe(true);
    expect(await mock.requests[0]?.done).toBe("client_closed");
  });

  it("closes the upstream socket when the consumer stops reading", async () => {
    mock.setBehavior({ eventDelayMs: 20 });
    const stream = await adapter.chatStream(streamParams(), call());
    for await (const _chunk of stream) break;
    expect(await mock.requests[0]?.done).toBe("client_closed");
  });

  it("lists models across pages", async () => {
    expect(await adapter.listModels?.(call())).toEqual([
      "claude-opus-5-5",
      "claude-sonnet-5-5",
      "claude-haiku-5-5",
    ]);
    expect(mock.requests.map((request) => request.path)).toEqual([
      "/v1/models?limit=1000",
      "/v1/models?limit=1000&after_id=claude-sonnet-5-5",
    ]);
    expect(adapter.embeddings).toBeUndefined();
    expect(adapter.completions).toBeUndefined();
  });
});

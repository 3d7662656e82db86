import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleAdapter } from "../../src/providers/openai-compatible/openai-compatible-adapter.ts";
import type { ChatCompletionChunk, ProviderAdapter } from "../../src/providers/types.ts";
import { UpstreamError } from "../../src/providers/types.ts";
import { isAbortError } from "../../src/providers/upstream-errors.ts";
import { call, collect, failure } from "../support/adapter-calls.ts";
import { type MockOpenAI, startMockOpenAI } from "../support/mock-openai.ts";

const API_KEY = "sk-test-0123456789abcdefSECRET";
const messages = [{ role: "user" as const, content: "Say hello" }];

let mock: MockOpenAI;
let adapter: ProviderAdapter;

beforeAll(async () => {
  mock = await startMockOpenAI();
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

describe("openai-compatible adapter: failures", () => {
  it("500 -> server, both for chat and before a stream starts", async () => {
    mock.setBehavior({ status: 500 });
    const error = await failure(adapter.chat({ model: "m", messages }, call()));
    expect(error).toMatchObject({ kind: "server", message: "openai returned 500" });
    expect(error.details).toMatchObject({ provider: "openai", status: 500, upstreamCode: "server_error" });
    expect((await failure(adapter.chatStream({ model: "m", messages, stream: true }, call()))).kind).toBe(
      "server",
    );
  });

  it("429 with Retry-After -> rate_limit with retryAfterMs", async () => {
    mock.setBehavior({ status: 429, retryAfter: "3" });
    const error = await failure(adapter.chatStream({ model: "m", messages, stream: true }, call()));
    expect(error.kind).toBe("rate_limit");
    expect(error.details).toMatchObject({
      status: 429,
      retryAfterMs: 3000,
      upstreamCode: "rate_limit_exceeded",
    });
  });

  it("400 -> client with the upstream's param, message sanitized", async () => {
    mock.setBehavior({
      status: 400,
      error: { message: "Bad 'temperature'", param: "temperature", code: "invalid_value" },
    });
    const error = await failure(adapter.chat({ model: "m", messages }, call()));
    expect(error).toMatchObject({ kind: "client", message: "openai returned 400: Bad 'temperature'" });
    expect(error.details).toMatchObject({ param: "temperature", upstreamCode: "invalid_value" });
  });

  it("a slow upstream past the call's timeout -> timeout, stream or not", async () => {
    mock.setBehavior({ headersDelayMs: 2_000 });
    const started = Date.now();
    expect((await failure(adapter.chat({ model: "m", messages }, call({ timeoutMs: 100 })))).kind).toBe(
      "timeout",
    );
    const stream = adapter.chatStream({ model: "m", messages, stream: true }, call({ timeoutMs: 100 }));
    expect((await failure(stream)).kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("an unreachable upstream -> connection", async () => {
    const closed = await startMockOpenAI();
    await closed.close();
    const dead = createOpenAICompatibleAdapter({
      id: "dead",
      kind: "openai_compatible",
      apiKey: API_KEY,
      baseURL: closed.url,
    });
    expect((await failure(dead.chat({ model: "m", messages }, call()))).kind).toBe("connection");
  });

  it("a mid-stream connection reset -> iteration throws connection", async () => {
    mock.setBehavior({ resetAfterChunks: 3, chunks: 10 });
    const stream = await adapter.chatStream({ model: "m", messages, stream: true }, call());
    const seen: ChatCompletionChunk[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    );
    expect(error).toMatchObject({ kind: "connection", message: "connection to openai failed" });
    expect(seen).toHaveLength(3);
    expect(await mock.requests[0]?.done).toBe("reset");
  });

  it("an error event inside the stream -> UpstreamError while iterating", async () => {
    mock.setBehavior({ streamErrorAfterChunks: 2 });
    const stream = await adapter.chatStream({ model: "m", messages, stream: true }, call());
    const error = await failure(collect(stream));
    expect(error).toMatchObject({ kind: "server", message: "openai reported an error mid-stream" });
  });

  it("an abort mid-stream closes the upstream socket and surfaces as an abort", async () => {
    mock.setBehavior({ chunkDelayMs: 50, chunks: 50 });
    const controller = new AbortController();
    const stream = await adapter.chatStream(
      { model: "m", messages, stream: true },
      call({ signal: controller.signal }),
    );
    let received = 0;
    const error = await (async () => {
      for await (const _ of stream) {
        if (++received === 2) controller.abort();
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(await mock.requests[0]?.done).toBe("client_closed");
    expect(mock.clientClosed).toBeGreaterThanOrEqual(1);
  });

  it("an abort before headers rejects as an abort", async () => {
    mock.setBehavior({ headersDelayMs: 1_000 });
    const controller = new AbortController();
    const pending = adapter.chatStream(
      { model: "m", messages, stream: true },
      call({ signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 50);
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(error)).toBe(true);
    expect(await mock.requests[0]?.done).toBe("client_closed");
  });

  it("breaking out of the stream early closes the upstream socket", async () => {
    mock.setBehavior({ chunkDelayMs: 20, chunks: 50 });
    const stream = await adapter.chatStream({ model: "m", messages, stream: true }, call());
    for await (const _ of stream) break;
    expect(await mock.requests[0]?.done).toBe("client_closed");
  });

  it("never puts the API key into an error message", async () => {
    mock.setBehavior((request) => ({
      status: 400,
      error: {
        message: `Invalid header: Authorization ${request.headers.authorization}; key was ${API_KEY}`,
      },
    }));
    const error = await failure(adapter.chat({ model: "m", messages }, call()));
    expect(mock.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(error.kind).toBe("client");
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain("SECRET");
    expect(error.message).toBe(
      "openai returned 400: Invalid header: Authorization Bearer [redacted] key was [redacted]",
    );
    for (const status of [401, 429, 500]) {
      mock.setBehavior({ status, error: { message: `key ${API_KEY}` } });
      expect((await failure(adapter.chat({ model: "m", messages }, call()))).message).not.toContain(API_KEY);
    }
  });
});

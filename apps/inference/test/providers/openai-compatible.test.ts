import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleAdapter } from "../../src/providers/openai-compatible/openai-compatible-adapter.ts";
import type { ChatCompletionChunk, ProviderAdapter } from "../../src/providers/types.ts";
import { call, collect } from "../support/adapter-calls.ts";
import { type MockOpenAI, startMockOpenAI } from "../support/mock-openai.ts";
import { mockEmbedding } from "../support/mock-openai-payloads.ts";

const API_KEY = "sk-test-0123456789abcdefSECRET";
const messages = [{ role: "user" as const, content: "Say hello" }];
const weatherTools = ["get_weather", "get_time"].map((name) => ({
  type: "function" as const,
  function: { name, parameters: { type: "object", properties: {} } },
}));

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

describe("openai-compatible adapter: successful calls", () => {
  it("chat: returns the completion with usage details, sending the key as Bearer", async () => {
    const completion = await adapter.chat({ model: "gpt-4o-mini", messages }, call());
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBe("Hello from the mock upstream.");
    expect(completion.usage).toMatchObject({
      completion_tokens: 6,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    const [request] = mock.requests;
    expect(request).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it("chatStream: always asks for usage upstream and yields the usage chunk last", async () => {
    mock.setBehavior({ usage: { cachedTokens: 3, reasoningTokens: 2 } });
    const stream = await adapter.chatStream({ model: "gpt-4o-mini", messages, stream: true }, call());
    const chunks = await collect(stream);
    expect(mock.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello from the mock upstream.");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      completion_tokens: 8,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it("chatStream: keeps the caller's other stream_options", async () => {
    const params = {
      model: "m",
      messages,
      stream: true as const,
      stream_options: { include_obfuscation: false },
    };
    await collect(await adapter.chatStream(params, call()));
    expect(mock.requests[0]?.body.stream_options).toEqual({
      include_obfuscation: false,
      include_usage: true,
    });
  });

  it("chat with tools: two parallel tool calls, non-stream", async () => {
    const completion = await adapter.chat({ model: "gpt-4o-mini", messages, tools: weatherTools }, call());
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.tool_calls?.map((c) => c.type === "function" && c.function.name)).toEqual([
      "get_weather",
      "get_time",
    ]);
  });

  it("chatStream with tools: deltas reassemble into two parallel tool calls", async () => {
    const stream = await adapter.chatStream(
      { model: "gpt-4o-mini", messages, tools: weatherTools, stream: true },
      call(),
    );
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    let finish: string | null | undefined;
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      const choice = chunk.choices[0];
      finish = choice?.finish_reason ?? finish;
      for (const delta of choice?.delta.tool_calls ?? []) {
        calls[delta.index] ??= { arguments: "" };
        const entry = calls[delta.index]!;
        if (delta.id) entry.id = delta.id;
        if (delta.function?.name) entry.name = delta.function.name;
        entry.arguments += delta.function?.arguments ?? "";
      }
    }
    expect(finish).toBe("tool_calls");
    expect(calls).toEqual([
      { id: "call_mock0", name: "get_weather", arguments: '{"query":"mock","call":0}' },
      { id: "call_mock1", name: "get_time", arguments: '{"query":"mock","call":1}' },
    ]);
  });

  it("completions and completionsStream", async () => {
    const completion = await adapter.completions!({ model: "gpt-3.5-turbo-instruct", prompt: "Hi" }, call());
    expect(completion.choices[0]?.text).toBe("Hello from the mock upstream.");
    const stream = await adapter.completionsStream!(
      { model: "gpt-3.5-turbo-instruct", prompt: "Hi", stream: true },
      call(),
    );
    const chunks = await collect(stream);
    expect(mock.requests[1]?.body.stream_options).toEqual({ include_usage: true });
    expect(chunks.map((c) => c.choices[0]?.text ?? "").join("")).toBe("Hello from the mock upstream.");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(6);
  });

  it("embeddings: float vectors, decoded from base64 by default or kept as asked", async () => {
    const result = await adapter.embeddings!({ model: "text-embedding-3-small", input: ["a", "b"] }, call());
    expect(result.data.map((d) => d.embedding)).toEqual([mockEmbedding("a", 8), mockEmbedding("b", 8)]);
    expect(result.usage.prompt_tokens).toBe(2);
    const base64 = await adapter.embeddings!(
      { model: "text-embedding-3-small", input: "a", encoding_format: "base64", dimensions: 4 },
      call(),
    );
    const bytes = Buffer.from(base64.data[0]?.embedding as unknown as string, "base64");
    const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    expect(Array.from(decoded)).toEqual(mockEmbedding("a", 4));
  });

  it("listModels returns the upstream's ids", async () => {
    expect(await adapter.listModels!(call())).toEqual([
      "gpt-4o-mini",
      "gpt-3.5-turbo-instruct",
      "text-embedding-3-small",
    ]);
    expect(mock.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
  });

  it("unknown request fields reach the upstream unchanged", async () => {
    mock.setBehavior({ echo: true });
    const extra = { top_k: 40, repetition_penalty: 1.1, chat_template_kwargs: { thinking: true } };
    const completion = await adapter.chat({ model: "m", messages, ...extra } as never, call());
    expect(mock.requests[0]?.body).toEqual({ model: "m", messages, ...extra });
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({
      model: "m",
      messages,
      ...extra,
    });
    await collect(
      await adapter.chatStream({ model: "m", messages, stream: true, ...extra } as never, call()),
    );
    expect(mock.requests[1]?.body).toMatchObject(extra);
  });

  it("defaultHeaders are sent, and null drops the SDK's Authorization header", async () => {
    const custom = createOpenAICompatibleAdapter({
      id: "custom",
      kind: "openai_compatible",
      apiKey: API_KEY,
      baseURL: mock.url,
      defaultHeaders: { "api-key": API_KEY, Authorization: null },
    });
    await custom.chat({ model: "m", messages }, call());
    expect(mock.requests[0]?.headers["api-key"]).toBe(API_KEY);
    expect(mock.requests[0]?.headers.authorization).toBeUndefined();
  });
});

import {
  ZChatCompletion,
  ZChatCompletionChunk,
  ZEmbeddingResponse,
  ZErrorEnvelope,
  ZModelList,
} from "@gw/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./support/gateway.ts";

let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway();
  client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
});
afterAll(() => gw.close());

async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set("authorization", `Bearer ${init.key ?? gw.key}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  const response = await fetch(`${gw.url}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

describe("the /v1 surface with the demo provider", () => {
  it("answers a chat completion through the official SDK, with honest usage", async () => {
    const completion = await client.chat.completions.create({
      model: "demo-chat",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(ZChatCompletion.parse(completion)).toBeTruthy();
    expect(completion.choices[0]!.message.content).toContain('You said: "Say hello"');
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(5);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(10);
  });

  it("streams chunk by chunk and ends with [DONE]; usage only when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "demo/demo-chat",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(ZChatCompletionChunk.parse(chunk));
    expect(chunks.length).toBeGreaterThan(10);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toContain('You said: "stream please"');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(
      chunks.filter((c) => c.choices[0]?.delta.content).length,
    );

    const plain = await raw("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    expect(plain.headers.get("content-type")).toContain("text/event-stream");
    expect(plain.headers.get("cache-control")).toBe("no-cache");
    expect(plain.headers.get("x-accel-buffering")).toBe("no");
    expect(plain.headers.get("x-request-id")).toMatch(/^req_/);
    expect(plain.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(plain.text).not.toContain('"usage"');
  });

  it("honours max_tokens with finish_reason length", async () => {
    const completion = await client.chat.completions.create({
      model: "demo-chat",
      messages: [{ role: "user", content: "long" }],
      max_tokens: 3,
    });
    expect(completion.usage!.completion_tokens).toBe(3);
    expect(completion.choices[0]!.finish_reason).toBe("length");
  });

  it("answers a forced tool call, streamed and not", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "lookup", parameters: { type: "object", properties: {} } },
      },
    ];
    const completion = await client.chat.completions.create({
      model: "demo-chat",
      messages: [{ role: "user", content: "use the tool" }],
      tools,
      tool_choice: "required",
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]!.message.tool_calls![0]).toMatchObject({
      type: "function",
      function: { name: "lookup", arguments: "{}" },
    });
    const stream = client.chat.completions.stream({
      model: "demo-chat",
      messages: [{ role: "user", content: "x" }],
      tools,
      tool_choice: "required",
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls![0]!).toMatchObject({
      function: { name: "lookup", arguments: "{}" },
    });
  });

  it("embeds, and lists models", async () => {
    const embedding = await client.embeddings.create({ model: "demo-embed", input: ["a", "b"] });
    expect(ZEmbeddingResponse.parse(embedding).data).toHaveLength(2);
    expect(embedding.data[0]!.embedding).toHaveLength(256);
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ZModelList.parse({ object: "list", data: models.data })).toBeTruthy();
    expect(ids).toEqual(expect.arrayContaining(["demo/demo-chat", "demo/demo-embed"]));
    expect(ids).not.toContain("llama-70b"); // no provider keys configured
    expect((await client.models.retrieve("demo/demo-chat")).owned_by).toContain("demo");
  });

  it("answers every error in the OpenAI envelope with the right status", async () => {
    const cases: Array<[Parameters<typeof raw>, number, string | null, string | null]> = [
      [["/v1/models", { key: null }], 401, "invalid_api_key", null],
      [["/v1/models", { key: "sk-wrong-key-123456" }], 401, "invalid_api_key", null],
      [["/v1/chat/completions", { method: "POST", body: "{not json" }], 400, "invalid_request_error", null],
      [
        [
          "/v1/chat/completions",
          {
            method: "POST",
            body: JSON.stringify({
              model: "demo-chat",
              messages: [{ role: "user", content: "x" }],
              temperature: 5,
            }),
          },
        ],
        400,
        "invalid_request_error",
        "temperature",
      ],
      [
        [
          "/v1/chat/completions",
          {
            method: "POST",
            body: JSON.stringify({ model: "demo-chat", messages: [{ role: "wizard", content: "x" }] }),
          },
        ],
        400,
        "invalid_request_error",
        "messages.[0].role",
      ],
      [
        [
          "/v1/chat/completions",
          {
            method: "POST",
            body: JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
          },
        ],
        404,
        "model_not_found",
        "model",
      ],
      [
        ["/v1/completions", { method: "POST", body: JSON.stringify({ model: "demo-chat", prompt: "x" }) }],
        400,
        "invalid_request_error",
        "model",
      ],
      [["/v1/nothing", { method: "GET" }], 404, null, null],
    ];
    for (const [args, status, code, param] of cases) {
      const response = await raw(...args);
      expect(response.status, `${args[0]} ${args[1]?.body}`).toBe(status);
      const body = ZErrorEnvelope.parse(response.json());
      expect(body.error.code).toBe(code);
      expect(body.error.param).toBe(param);
      expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    }
    const big = await raw("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({
        model: "demo-chat",
        messages: [{ role: "user", content: "x".repeat(21 * 1024 * 1024) }],
      }),
    });
    expect(big.status).toBe(413);
    expect(ZErrorEnvelope.parse(big.json()).error.code).toBe("request_too_large");
  });

  it("lets allowed browser origins call /v1, and no others", async () => {
    const preflight = (origin: string) =>
      fetch(`${gw.baseURL}/chat/completions`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type,x-stainless-os",
        },
      });
    const allowed = await preflight("http://localhost:3005");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3005");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("x-stainless-os");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    const foreign = await preflight("https://evil.example");
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const call = await raw("/v1/models", { headers: { origin: "http://localhost:3005" } });
    expect(call.headers.get("access-control-allow-origin")).toBe("http://localhost:3005");
    expect(call.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("refuses revoked, expired and out-of-list keys, and test keys outside the demo provider", async () => {
    const revoked = await gw.newKey();
    await gw.db.prisma.apiKey.updateMany({
      where: { prefix: revoked.slice(0, 9) },
      data: { status: "revoked" },
    });
    expect((await raw("/v1/models", { key: revoked })).json().error.message).toContain("revoked");
    const expired = await gw.newKey({ expiresAt: new Date(Date.now() - 1000) });
    expect((await raw("/v1/models", { key: expired })).status).toBe(401);
    const limited = await gw.newKey({ allowedModels: ["demo-embed"] });
    const body = JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "x" }] });
    const forbidden = await raw("/v1/chat/completions", { method: "POST", body, key: limited });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json().error.code).toBe("model_not_allowed");
    const viaAnthropicHeader = await raw("/v1/chat/completions", {
      method: "POST",
      body,
      key: null,
      headers: { "x-api-key": gw.key },
    });
    expect(viaAnthropicHeader.status).toBe(200);
  });
});

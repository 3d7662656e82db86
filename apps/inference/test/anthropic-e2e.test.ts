// The unmodified openai SDK gets the same shapes back for anthropic/..., openai/... and aliases.
import { ZChatCompletion, ZChatCompletionChunk } from "@gw/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestGateway } from "./support/gateway.ts";
import type { MockAnthropic } from "./support/mock-anthropic.ts";
import { type MockedProviders, startWithMockedProviders } from "./support/mocked-providers.ts";

let anthropic: MockAnthropic;
let gw: TestGateway;
let client: OpenAI;

let mocked: MockedProviders;

beforeAll(async () => {
  mocked = await startWithMockedProviders();
  ({ gw, anthropic } = mocked);
  client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
});
afterAll(() => mocked.close());

const tools = [
  {
    type: "function" as const,
    function: {
      name: "get_weather",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  },
  {
    type: "function" as const,
    function: { name: "get_time", parameters: { type: "object", properties: {} } },
  },
];
const messages = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "Weather and time in Paris?" },
];

/** The fields of a completion a client's code depends on, as types rather than values. */
function shape(completion: OpenAI.Chat.ChatCompletion): unknown {
  const t = (v: unknown) => (v === null || v === undefined ? "absent" : typeof v);
  return {
    top: [t(completion.id), completion.object, t(completion.created), t(completion.model)],
    choices: completion.choices.map((c) => ({
      index: c.index,
      role: c.message.role,
      content: ["string", "absent"].includes(t(c.message.content)),
      toolCalls: c.message.tool_calls?.map(
        (call) => call.type === "function" && [t(call.id), t(call.function.name), t(call.function.arguments)],
      ),
      finish: c.finish_reason,
    })),
    usage: [
      t(completion.usage?.prompt_tokens),
      t(completion.usage?.completion_tokens),
      t(completion.usage?.total_tokens),
      t(completion.usage?.prompt_tokens_details?.cached_tokens),
    ],
  };
}

describe.each(["anthropic/claude-3-5-haiku-20241022", "openai/gpt-4o-mini", "claude-sonnet", "gpt-4o"])(
  "%s through the openai SDK",
  (model) => {
    it("answers text with usage", async () => {
      const completion = await client.chat.completions.create({ model, messages, temperature: 0.2 });
      ZChatCompletion.parse(completion);
      expect(completion.choices[0]!.message.content).toBeTruthy();
      expect(completion.choices[0]!.finish_reason).toBe("stop");
      expect(completion.usage!.total_tokens).toBe(
        completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
      );
    });

    it("streams, with a usage chunk when asked", async () => {
      const stream = await client.chat.completions.create({
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(ZChatCompletionChunk.parse(chunk));
      expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBeTruthy();
      expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("stop");
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    });

    it("calls tools in parallel, streamed and not", async () => {
      const completion = await client.chat.completions.create({ model, messages, tools });
      expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
      const calls = completion.choices[0]!.message.tool_calls!;
      expect(calls.map((c) => c.type === "function" && c.function.name)).toEqual(["get_weather", "get_time"]);
      for (const call of calls) if (call.type === "function") JSON.parse(call.function.arguments);

      const runner = client.chat.completions.stream({ model, messages, tools });
      const final = await runner.finalChatCompletion();
      const streamed = final.choices[0]!.message.tool_calls!;
      expect(streamed.map((c) => c.type === "function" && c.function.arguments)).toEqual(
        calls.map((c) => c.type === "function" && c.function.arguments),
      );
    });
  },
);

describe("identical shapes", () => {
  it("gives the same response shape for Anthropic and OpenAI models", async () => {
    const a = await client.chat.completions.create({
      model: "anthropic/claude-3-5-haiku-20241022",
      messages,
      tools,
    });
    const o = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, tools });
    expect(shape(a)).toEqual(shape(o));
  });

  it("translates a multi-turn tool conversation and images for Anthropic", async () => {
    await client.chat.completions.create({
      model: "anthropic/claude-3-5-haiku-20241022",
      max_tokens: 100,
      stop: ["END"],
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
      tools,
    });
    const sent = anthropic.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ system: "Be brief.", max_tokens: 100, stop_sequences: ["END"] });
    expect(sent).not.toHaveProperty("temperature");
    expect(JSON.stringify(sent.messages)).toContain('"tool_use_id":"call_1"');
    expect(JSON.stringify(sent.messages)).toContain('"media_type":"image/png"');
    expect(
      anthropic.requests.at(-1)!.headers.authorization ?? anthropic.requests.at(-1)!.headers["x-api-key"],
    ).toContain("sk-ant-test-secret");
  });

  it("maps Anthropic's overloaded 529 to a 503 envelope that leaks nothing", async () => {
    anthropic.setBehavior({ status: 529 });
    try {
      const error = await client.chat.completions
        .create({ model: "anthropic/claude-3-5-haiku-20241022", messages })
        .catch((e: unknown) => e);
      expect((error as { status: number }).status).toBe(503);
      expect(JSON.stringify((error as { error: unknown }).error)).not.toMatch(/sk-ant|Overloaded/);
    } finally {
      anthropic.setBehavior(undefined);
    }
  });

  it("refuses n > 1 for Anthropic with a 400 naming the parameter", async () => {
    const error = await client.chat.completions
      .create({ model: "anthropic/claude-3-5-haiku-20241022", messages, n: 2 })
      .catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(400);
    expect((error as { param: string }).param).toBe("n");
  });
});

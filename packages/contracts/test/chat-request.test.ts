import { describe, expect, it } from "vitest";
import { paramFromPath, ZChatCompletionRequest } from "../src/index.ts";

/** The path of the first issue of a request that must be refused. */
function firstIssuePath(input: unknown) {
  const result = ZChatCompletionRequest.safeParse(input);
  if (result.success) throw new Error("expected the request to be refused");
  return result.error.issues[0]?.path;
}

const base = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };

describe("ZChatCompletionRequest: real requests parse", () => {
  it("a tool-calling conversation with an image, a tool result and structured output", () => {
    const request = {
      model: "gpt-4o-2024-08-06",
      messages: [
        { role: "developer", content: "You are a weather bot." },
        { role: "system", content: [{ type: "text", text: "Answer in metric units." }], name: "policy" },
        {
          role: "user",
          content: [
            { type: "text", text: "What's the weather where this photo was taken?" },
            { type: "image_url", image_url: { url: "https://example.com/paris.jpg", detail: "high" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: "call_Nn6oq1b4b2K3YJDUCpHk8sQz",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_Nn6oq1b4b2K3YJDUCpHk8sQz", content: '{"temp":21}' },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather for a city",
            parameters: {
              type: "object",
              properties: {
                city: { type: "string" },
                unit: { type: "string", enum: ["celsius", "fahrenheit"] },
              },
              required: ["city", "unit"],
              additionalProperties: false,
            },
            strict: true,
          },
        },
      ],
      tool_choice: "auto",
      parallel_tool_calls: false,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "weather_report",
          strict: true,
          schema: { type: "object", properties: { summary: { type: "string" } }, required: ["summary"] },
        },
      },
      temperature: 0.2,
      top_p: 1,
      max_completion_tokens: 512,
      stop: ["\n\n", "END"],
      seed: 42,
      n: 1,
      user: "user-1234",
      metadata: { team: "search" },
      logit_bias: { "50256": -100 },
      logprobs: true,
      top_logprobs: 3,
      stream: true,
      stream_options: { include_usage: true },
    };
    expect(ZChatCompletionRequest.parse(request)).toEqual(request);
  });

  it("audio, files, a named tool choice, prediction and reasoning settings", () => {
    const request = {
      model: "o3-mini",
      messages: [
        {
          role: "user",
          content: [
            { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } },
            {
              type: "file",
              file: { filename: "report.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            },
            { type: "file", file: { file_id: "file-abc123" } },
          ],
        },
      ],
      tools: [{ type: "function", function: { name: "lookup" } }],
      tool_choice: { type: "function", function: { name: "lookup" } },
      reasoning_effort: "high",
      service_tier: "flex",
      store: false,
      modalities: ["text"],
      prediction: { type: "content", content: "const x = 1;" },
      max_tokens: null,
      temperature: null,
      stop: "STOP",
    };
    expect(ZChatCompletionRequest.parse(request)).toEqual(request);
  });

  it("json_object mode, text mode and tool_choice strings", () => {
    for (const response_format of [{ type: "json_object" }, { type: "text" }]) {
      expect(ZChatCompletionRequest.safeParse({ ...base, response_format }).success).toBe(true);
    }
    for (const tool_choice of ["none", "auto", "required"]) {
      expect(ZChatCompletionRequest.safeParse({ ...base, tool_choice }).success).toBe(true);
    }
  });

  it("keeps unknown fields, at the top and inside messages, for the upstream", () => {
    const request = {
      ...base,
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Hi", cache_control: { type: "ephemeral" } }],
          x_trace: "abc",
        },
      ],
      verbosity: "low",
      top_k: 40,
      chat_template_kwargs: { enable_thinking: false },
      web_search_options: { search_context_size: "low" },
    };
    const parsed = ZChatCompletionRequest.parse(request);
    expect(parsed).toEqual(request);
    expect(parsed.top_k).toBe(40);
  });
});

describe("ZChatCompletionRequest: invalid requests name the field", () => {
  it.each([
    [{ ...base, temperature: 3 }, ["temperature"]],
    [{ ...base, temperature: -0.1 }, ["temperature"]],
    [{ ...base, top_p: 1.5 }, ["top_p"]],
    [{ ...base, n: 0 }, ["n"]],
    [{ ...base, seed: 1.5 }, ["seed"]],
    [{ ...base, max_tokens: 0 }, ["max_tokens"]],
    [{ ...base, stop: ["a", "b", "c", "d", "e"] }, ["stop"]],
    [{ ...base, presence_penalty: 2.5 }, ["presence_penalty"]],
    [{ ...base, metadata: { a: 1 } }, ["metadata", "a"]],
    [{ ...base, stream: "yes" }, ["stream"]],
    [{ ...base, reasoning_effort: "extreme" }, ["reasoning_effort"]],
    [{ model: "gpt-4o", messages: [] }, ["messages"]],
    [{ messages: base.messages }, ["model"]],
    [
      { ...base, tools: [{ type: "function", function: { description: "no name" } }] },
      ["tools", 0, "function", "name"],
    ],
    [
      { ...base, response_format: { type: "json_schema", json_schema: { schema: {} } } },
      ["response_format", "json_schema", "name"],
    ],
  ])("%j -> %j", (input, path) => {
    expect(firstIssuePath(input)).toEqual(path);
  });

  it("a bad role points at messages[1].role", () => {
    const input = { ...base, messages: [base.messages[0], { role: "wizard", content: "hi" }] };
    expect(firstIssuePath(input)).toEqual(["messages", 1, "role"]);
    expect(paramFromPath(["messages", 1, "role"])).toBe("messages.[1].role");
  });

  it("a tool message without tool_call_id, a bad image detail and a bad tool call", () => {
    expect(firstIssuePath({ ...base, messages: [{ role: "tool", content: "42" }] })).toEqual([
      "messages",
      0,
      "tool_call_id",
    ]);
    const image = { type: "image_url", image_url: { url: "https://x.test/a.png", detail: "ultra" } };
    expect(firstIssuePath({ ...base, messages: [{ role: "user", content: [image] }] })).toEqual(
      expect.arrayContaining(["messages", 0, "content"]),
    );
    const call = { id: "call_1", type: "function", function: { name: "f" } };
    expect(
      firstIssuePath({ ...base, messages: [{ role: "assistant", content: null, tool_calls: [call] }] }),
    ).toEqual(["messages", 0, "tool_calls", 0, "function", "arguments"]);
  });
});

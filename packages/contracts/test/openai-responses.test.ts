// ZResponsesRequest and ZResponsesInputTokensRequest: what real Responses API clients send parses
// (unknown fields and item/tool types kept for the OpenAI pass-through), and a refusal names the
// innermost field at fault. Type-level checks compare with the openai SDK's types (tsc).

import type { InputTokenCountParams } from "openai/resources/responses/input-tokens";
import type { ResponseCreateParams, ResponseInputItem } from "openai/resources/responses/responses";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  describeValidationError,
  type TResponsesRequest,
  ZResponsesInputItem,
  ZResponsesInputTokensRequest,
  ZResponsesRequest,
} from "../src/index.ts";

function refusal(input: unknown) {
  const result = ZResponsesRequest.safeParse(input);
  if (result.success) throw new Error("expected the request to be refused");
  return describeValidationError(result.error);
}

const base = { model: "gpt-5.4-mini", input: "Hi" };

describe("ZResponsesRequest: real requests parse", () => {
  it("a string input with instructions and sampling settings", () => {
    const request = {
      model: "gpt-5.4-mini",
      instructions: "Be brief.",
      input: "Tell me a joke.",
      max_output_tokens: 256,
      temperature: 0.7,
      top_p: 0.9,
      stream: true,
      store: false,
      metadata: { team: "search" },
      user: "user-1",
      safety_identifier: "hash-1",
      prompt_cache_key: "joke-v1",
      service_tier: "flex",
      truncation: "disabled",
    };
    expect(ZResponsesRequest.parse(request)).toEqual(request);
  });

  it("a tool-calling conversation with every input item the gateway translates", () => {
    const request = {
      model: "claude-sonnet-5",
      input: [
        { role: "developer", content: "You are a weather bot." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "Weather where this was taken?" },
            { type: "input_image", image_url: "https://example.com/paris.jpg", detail: "high" },
          ],
        },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA" },
        {
          id: "msg_1",
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Let me check.", annotations: [], logprobs: [] }],
        },
        {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: "get_weather",
          arguments: '{"city":"Paris"}',
          status: "completed",
        },
        { type: "function_call_output", call_id: "call_1", output: '{"temp":21}' },
        {
          type: "function_call_output",
          call_id: "call_2",
          output: [{ type: "input_text", text: "sunny" }],
        },
        { type: "item_reference", id: "msg_0" },
      ],
      tools: [
        {
          type: "function",
          name: "get_weather",
          description: "Current weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          strict: true,
        },
      ],
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: true,
      text: {
        format: {
          type: "json_schema",
          name: "report",
          schema: { type: "object", properties: {} },
          strict: true,
        },
        verbosity: "low",
      },
      reasoning: { effort: "high", summary: "auto" },
      include: ["reasoning.encrypted_content"],
      previous_response_id: "resp_0",
    };
    expect(ZResponsesRequest.parse(request)).toEqual(request);
  });

  it("an item_reference without `type` gets one; a message without `type` stays as sent", () => {
    const parsed = ZResponsesRequest.parse({
      ...base,
      input: [{ id: "msg_9" }, { role: "user", content: "x" }],
    });
    expect(parsed.input).toEqual([
      { id: "msg_9", type: "item_reference" },
      { role: "user", content: "x" },
    ]);
  });

  it("keeps built-in tools, other item types, other tool choices and unknown fields", () => {
    const request = {
      ...base,
      input: [
        { type: "computer_call_output", call_id: "c1", output: { type: "computer_screenshot" } },
        { type: "custom_tool_call", call_id: "c2", name: "grep", input: "x" },
      ],
      tools: [
        { type: "web_search", search_context_size: "low" },
        { type: "mcp", server_label: "deepwiki", server_url: "https://mcp.deepwiki.com/mcp" },
        { type: "custom", name: "grep" },
      ],
      tool_choice: { type: "web_search_preview" },
      context_management: [{ type: "compaction", compact_threshold: 1000 }],
      background: true,
      conversation: "conv_1",
      prompt: { id: "pmpt_1", variables: { city: "Paris" } },
    };
    expect(ZResponsesRequest.parse(request)).toEqual(request);
  });

  it("tool_choice strings and allowed_tools; text formats", () => {
    for (const tool_choice of [
      "none",
      "auto",
      "required",
      { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "a" }] },
    ]) {
      expect(ZResponsesRequest.safeParse({ ...base, tool_choice }).success).toBe(true);
    }
    for (const format of [{ type: "text" }, { type: "json_object" }]) {
      expect(ZResponsesRequest.safeParse({ ...base, text: { format } }).success).toBe(true);
    }
  });

  it("the input_tokens request", () => {
    const request = { model: "gpt-5.4-mini", input: [{ role: "user", content: "Hi" }], instructions: "x" };
    expect(ZResponsesInputTokensRequest.parse(request)).toEqual(request);
    expect(ZResponsesInputTokensRequest.safeParse({ input: "Hi" }).success).toBe(false);
  });
});

describe("ZResponsesRequest: refusals name the field", () => {
  it("model is required", () => {
    expect(refusal({ input: "Hi" }).param).toBe("model");
  });

  it("inside a known input item, past the catch-all branch", () => {
    expect(refusal({ ...base, input: [{ type: "function_call", name: "f", arguments: "{}" }] }).param).toBe(
      "input.[0].call_id",
    );
    expect(refusal({ ...base, input: [{ role: "robot", content: "x" }] }).param).toBe("input.[0].role");
    expect(
      refusal({ ...base, input: [{ role: "user", content: [{ type: "input_image", detail: "huge" }] }] })
        .param,
    ).toBe("input.[0].content.[0].detail");
    expect(
      refusal({ ...base, input: [{ type: "function_call_output", call_id: "c", output: 42 }] }).param,
    ).toMatch(/^input\.\[0\]\.output/);
  });

  it("function tools, tool_choice and text.format", () => {
    expect(refusal({ ...base, tools: [{ type: "function", parameters: {} }] }).param).toBe("tools.[0].name");
    expect(refusal({ ...base, tool_choice: { type: "function" } }).param).toBe("tool_choice.name");
    expect(refusal({ ...base, text: { format: { type: "json_schema", schema: {} } } }).param).toBe(
      "text.format.name",
    );
  });

  it("numbers out of range", () => {
    expect(refusal({ ...base, max_output_tokens: 0 }).param).toBe("max_output_tokens");
    expect(refusal({ ...base, max_output_tokens: 1.5 }).param).toBe("max_output_tokens");
    expect(refusal({ ...base, temperature: 3 }).param).toBe("temperature");
    const { message } = refusal({ ...base, top_p: 2 });
    expect(message).toContain("'top_p'");
  });
});

describe("against the openai SDK's types", () => {
  it("an SDK request parses, and its input items are ours", () => {
    const sdkRequest: ResponseCreateParams = {
      model: "gpt-5.4-mini",
      input: [
        { role: "user", content: [{ type: "input_text", text: "Hi" }] },
        { type: "function_call", call_id: "call_1", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "ok" },
        { type: "item_reference", id: "msg_1" },
      ],
      tools: [{ type: "function", name: "f", parameters: null, strict: null }],
      text: { format: { type: "json_schema", name: "r", schema: {} } },
      reasoning: { effort: "low" },
    };
    expect(ZResponsesRequest.safeParse(sdkRequest).success).toBe(true);
    const item: ResponseInputItem = { type: "message", role: "developer", content: [] };
    expect(ZResponsesInputItem.safeParse(item).success).toBe(true);
    expectTypeOf<InputTokenCountParams["model"]>().toExtend<string | null | undefined>();
  });

  it("a parsed request keeps the SDK's field types", () => {
    expectTypeOf<TResponsesRequest["max_output_tokens"]>().toExtend<
      ResponseCreateParams["max_output_tokens"]
    >();
    expectTypeOf<TResponsesRequest["temperature"]>().toExtend<ResponseCreateParams["temperature"]>();
    expectTypeOf<TResponsesRequest["instructions"]>().toExtend<ResponseCreateParams["instructions"]>();
    expectTypeOf<TResponsesRequest["previous_response_id"]>().toExtend<
      ResponseCreateParams["previous_response_id"]
    >();
    expectTypeOf<NonNullable<TResponsesRequest["reasoning"]>["effort"]>().toExtend<
      NonNullable<ResponseCreateParams["reasoning"]>["effort"]
    >();
  });
});

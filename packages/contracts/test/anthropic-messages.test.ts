// ZMessagesRequest / ZCountTokensRequest: real Anthropic bodies parse (unknown fields kept), and a
// refused body's first issue names the field at fault.
import type {
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { describe, expect, it } from "vitest";
import { describeValidationError, ZCountTokensRequest, ZMessagesRequest } from "../src/index.ts";

/** `param` and message of a body that must be refused, as the 400 will show them. */
function refusal(
  input: unknown,
  schema: typeof ZMessagesRequest | typeof ZCountTokensRequest = ZMessagesRequest,
) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected the request to be refused");
  return describeValidationError(result.error);
}

const base = { model: "claude-sonnet-5-5", max_tokens: 1024, messages: [{ role: "user", content: "Hi" }] };

describe("ZMessagesRequest: real requests parse", () => {
  it("a tool-use conversation with system blocks, images, documents, thinking and cache_control", () => {
    const request = {
      model: "claude-sonnet-5-5",
      max_tokens: 4096,
      system: [
        { type: "text", text: "You are Claude Code." },
        { type: "text", text: "Be terse.", cache_control: { type: "ephemeral", ttl: "1h" } },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture and this file?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
              title: "report.pdf",
              citations: { enabled: true },
            },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Let me look.", signature: "EqQBCkgIARABGAIiQ" },
            { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT" },
            { type: "text", text: "Checking the weather." },
            { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_01A",
              content: "21°C",
              cache_control: { type: "ephemeral" },
            },
            {
              type: "tool_result",
              tool_use_id: "toolu_01B",
              is_error: true,
              content: [{ type: "text", text: "timeout" }],
            },
          ],
        },
      ],
      tools: [
        {
          name: "get_weather",
          description: "Current weather",
          input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
        { type: "custom", name: "noop", input_schema: { type: "object" } },
        { type: "web_search_20250305", name: "web_search", max_uses: 3 },
      ],
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
      thinking: { type: "enabled", budget_tokens: 2048 },
      stop_sequences: ["\n\nHuman:"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stream: true,
      metadata: { user_id: "user_abc" },
      service_tier: "auto",
    };
    const parsed = ZMessagesRequest.parse(request);
    expect(parsed).toEqual(request);
    // What the SDK types as a request is what the schema infers (both ways, for these fields).
    const typed: MessageCreateParamsNonStreaming = { ...base, messages: [{ role: "user", content: "Hi" }] };
    expect(ZMessagesRequest.parse(typed)).toEqual(typed);
  });

  it("keeps unknown fields at every level, for the pass-through to Anthropic", () => {
    const request = {
      ...base,
      context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
      container: "container_1",
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Hi", future_field: 1 }],
          some_extension: true,
        },
        {
          role: "assistant",
          content: [{ type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} }],
        },
        { role: "user", content: [{ type: "mcp_tool_result", tool_use_id: "mcptoolu_1", content: "ok" }] },
      ],
      tools: [
        { name: "t", input_schema: { type: "object", additionalProperties: false }, defer_loading: true },
      ],
    };
    expect(ZMessagesRequest.parse(request)).toEqual(request);
  });

  it("accepts every thinking and tool_choice form", () => {
    for (const thinking of [
      { type: "enabled", budget_tokens: 1024 },
      { type: "disabled" },
      { type: "adaptive", display: "omitted" },
    ]) {
      expect(ZMessagesRequest.safeParse({ ...base, thinking }).success).toBe(true);
    }
    for (const tool_choice of [
      { type: "auto" },
      { type: "any", disable_parallel_tool_use: true },
      { type: "tool", name: "get_weather" },
      { type: "none" },
    ]) {
      expect(ZMessagesRequest.safeParse({ ...base, tool_choice }).success).toBe(true);
    }
  });

  it("ZCountTokensRequest takes the prompt without max_tokens", () => {
    const request: MessageCountTokensParams = {
      model: "claude-sonnet-5-5",
      system: "Be terse.",
      messages: [{ role: "user", content: "Hi" }],
      tools: [{ name: "t", input_schema: { type: "object" } }],
    };
    expect(ZCountTokensRequest.parse(request)).toEqual(request);
    expect(refusal({ model: "m", messages: [] }, ZCountTokensRequest).param).toBe("messages");
  });
});

describe("ZMessagesRequest: refusals name the field", () => {
  it("max_tokens missing or below 1", () => {
    const { max_tokens: _, ...withoutMax } = base;
    expect(refusal(withoutMax)).toEqual({
      param: "max_tokens",
      message: "Invalid 'max_tokens': Invalid input: expected number, received undefined",
    });
    expect(refusal({ ...base, max_tokens: 0 }).param).toBe("max_tokens");
    expect(refusal({ ...base, max_tokens: 1.5 }).param).toBe("max_tokens");
  });

  it("an unknown block type, inside the content array", () => {
    const body = {
      ...base,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "video", url: "x" },
          ],
        },
      ],
    };
    const { param, message } = refusal(body);
    expect(param).toBe("messages.[0].content.[1].type");
    expect(message).toContain("Invalid 'messages.[0].content.[1].type'");
  });

  it("the innermost field of a known block", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/bmp", data: "Qk0=" } };
    expect(refusal({ ...base, messages: [{ role: "user", content: [image] }] }).param).toBe(
      "messages.[0].content.[0].source.media_type",
    );
    const toolResult = { type: "tool_result", tool_use_id: "t", is_error: "yes" };
    expect(refusal({ ...base, messages: [{ role: "user", content: [toolResult] }] }).param).toBe(
      "messages.[0].content.[0].is_error",
    );
    const toolUse = { type: "tool_use", id: "t", name: "n", input: "{}" };
    expect(refusal({ ...base, messages: [{ role: "assistant", content: [toolUse] }] }).param).toBe(
      "messages.[0].content.[0].input",
    );
  });

  it("roles, tools, tool_choice, thinking and system", () => {
    expect(refusal({ ...base, messages: [{ role: "tool", content: "x" }] }).param).toBe("messages.[0].role");
    expect(refusal({ ...base, tools: [{ name: "t", description: "no schema" }] }).param).toBe(
      "tools.[0].input_schema",
    );
    expect(refusal({ ...base, tools: [{ name: "t", input_schema: { type: "array" } }] }).param).toBe(
      "tools.[0].input_schema.type",
    );
    expect(refusal({ ...base, tool_choice: { type: "tool" } }).param).toBe("tool_choice.name");
    expect(refusal({ ...base, tool_choice: { type: "required" } }).param).toBe("tool_choice.type");
    expect(refusal({ ...base, thinking: { type: "enabled" } }).param).toBe("thinking.budget_tokens");
    expect(refusal({ ...base, system: [{ type: "image" }] }).param).toBe("system.[0].type");
    expect(refusal({ ...base, stop_sequences: "END" }).param).toBe("stop_sequences");
    expect(refusal({ ...base, messages: [] }).param).toBe("messages");
  });
});

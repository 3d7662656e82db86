import { describe, expect, it } from "vitest";
import {
  describeValidationError,
  ERROR_CODES,
  ErrorCode,
  errorResponse,
  paramFromPath,
  validationErrorResponse,
  ZChatCompletionRequest,
  ZErrorCode,
  ZErrorEnvelope,
} from "../src/index.ts";

describe("ZErrorEnvelope", () => {
  it("parses OpenAI's own envelopes", () => {
    const openai = {
      error: {
        message: "Incorrect API key provided: sk-abc***xyz.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    };
    expect(ZErrorEnvelope.parse(openai)).toEqual(openai);
    expect(ZErrorEnvelope.safeParse({ error: { message: "x", type: "y" } }).success).toBe(false);
  });
});

describe("ERROR_CODES", () => {
  it("decides status and type for every code, as documented", () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual([...ZErrorCode.options].sort());
    const table = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, { status, type }]) => [code, `${status} ${type}`]),
    );
    expect(table).toEqual({
      invalid_request_error: "400 invalid_request_error",
      invalid_api_key: "401 authentication_error",
      model_not_allowed: "403 permission_error",
      model_not_found: "404 not_found_error",
      not_found: "404 invalid_request_error",
      model_not_priced: "403 permission_error",
      request_too_large: "413 invalid_request_error",
      rate_limit_exceeded: "429 rate_limit_error",
      insufficient_quota: "402 insufficient_quota",
      upstream_error: "502 server_error",
      service_unavailable: "503 server_error",
      timeout: "504 server_error",
      internal_error: "500 server_error",
    });
  });

  it("builds envelopes that parse", () => {
    const { status, body } = errorResponse(ErrorCode.insufficient_quota, "Not enough credit");
    expect(status).toBe(402);
    expect(body).toEqual({
      error: {
        message: "Not enough credit",
        type: "insufficient_quota",
        param: null,
        code: "insufficient_quota",
      },
    });
    expect(ZErrorEnvelope.parse(body)).toEqual(body);
  });
});

describe("validation errors as 400s", () => {
  const base = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };
  const describe_ = (input: unknown) => {
    const result = ZChatCompletionRequest.safeParse(input);
    if (result.success) throw new Error("expected a failure");
    return describeValidationError(result.error);
  };

  it("writes paths the way OpenAI does", () => {
    expect(paramFromPath([])).toBeNull();
    expect(paramFromPath(["temperature"])).toBe("temperature");
    expect(paramFromPath(["messages", 2, "content", 0, "text"])).toBe("messages.[2].content.[0].text");
  });

  it("names plain fields", () => {
    expect(describe_({ ...base, temperature: 3 })).toEqual({
      param: "temperature",
      message: expect.stringMatching(/^Invalid 'temperature': .*2/),
    });
  });

  it("names a bad role with the roles that exist", () => {
    const { param, message } = describe_({
      ...base,
      messages: [base.messages[0], { role: "bot", content: "x" }],
    });
    expect(param).toBe("messages.[1].role");
    expect(message).toContain("'assistant'");
  });

  it("follows a union into the branch the input meant", () => {
    const image = { type: "image_url", image_url: { url: "https://x.test/a.png", detail: "ultra" } };
    const content = [{ type: "text", text: "look" }, image];
    expect(describe_({ ...base, messages: [{ role: "user", content }] }).param).toBe(
      "messages.[0].content.[1].image_url.detail",
    );
    expect(describe_({ ...base, stop: ["a", "b", "c", "d", "e"] })).toEqual({
      param: "stop",
      message: expect.stringContaining("4"),
    });
    expect(describe_({ ...base, tool_choice: "sometimes" }).message).toContain('"required"');
    expect(describe_({ ...base, tool_choice: { type: "function", function: {} } }).param).toBe(
      "tool_choice.function.name",
    );
  });

  it("stops at the union when the input fits no branch's shape", () => {
    expect(describe_({ ...base, messages: [{ role: "user", content: 42 }] }).param).toBe(
      "messages.[0].content",
    );
  });

  it("gives the server a ready 400", () => {
    const result = ZChatCompletionRequest.safeParse({ ...base, top_p: 2 });
    if (result.success) throw new Error("expected a failure");
    const { status, body } = validationErrorResponse(result.error);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      type: "invalid_request_error",
      param: "top_p",
      code: "invalid_request_error",
    });
  });
});

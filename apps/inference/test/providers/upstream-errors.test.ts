import * as Anthropic from "@anthropic-ai/sdk";
import * as OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAnthropicSdk } from "../../src/providers/anthropic/anthropic-sdk.ts";
import { UpstreamError } from "../../src/providers/types.ts";
import {
  isAbortError,
  parseRetryAfter,
  sanitizeUpstreamMessage,
  settleUpstreamFailure,
  toUpstreamError,
} from "../../src/providers/upstream-errors.ts";

const openaiError = (status: number, error: object, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, { error }, undefined, new Headers(headers));
const anthropicError = (
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
) =>
  Anthropic.APIError.generate(
    status,
    { type: "error", error: { type, message } },
    undefined,
    new Headers(headers),
  );

// In the gateway an Anthropic SDK error can only exist once an adapter has loaded the SDK.
beforeAll(() => loadAnthropicSdk());
describe("parseRetryAfter", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");

  it("prefers retry-after-ms, then retry-after seconds, then an HTTP date", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "1500.2", "retry-after": "9" }))).toBe(1501);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }))).toBe(500);
    expect(parseRetryAfter(new Headers({ "retry-after": "Tue, 01 Jan 2030 00:00:30 GMT" }), now)).toBe(
      30_000,
    );
    expect(parseRetryAfter(new Headers({ "retry-after": "Mon, 31 Dec 2029 23:00:00 GMT" }), now)).toBe(0);
  });

  it("reads plain header records case-insensitively, and ignores junk", () => {
    expect(parseRetryAfter({ "Retry-After": "3" })).toBe(3000);
    expect(parseRetryAfter({ "retry-after": ["4", "5"] })).toBe(4000);
    expect(parseRetryAfter({ "retry-after-ms": "-1", "retry-after": "soon" })).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("toUpstreamError: HTTP statuses", () => {
  it("429 is rate_limit with retryAfterMs and the upstream code", () => {
    const error = toUpstreamError(
      "openai",
      openaiError(
        429,
        { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" },
        {
          "retry-after": "7",
        },
      ),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.kind).toBe("rate_limit");
    expect(error.message).toBe("openai returned 429");
    expect(error.details).toMatchObject({
      provider: "openai",
      status: 429,
      retryAfterMs: 7000,
      upstreamCode: "rate_limit_exceeded",
    });
  });

  it("5xx and Anthropic's 529 are server errors with the gateway's wording only", () => {
    const e500 = toUpstreamError(
      "openai",
      openaiError(500, { message: "internal detail at host-42", type: "server_error" }),
    );
    expect(e500).toMatchObject({ kind: "server", message: "openai returned 500" });
    expect(e500.details).toMatchObject({ status: 500, upstreamCode: "server_error" });
    const e529 = toUpstreamError("anthropic", anthropicError(529, "overloaded_error", "Overloaded"));
    expect(e529).toMatchObject({ kind: "server", message: "anthropic returned 529" });
    expect(e529.details.upstreamCode).toBe("overloaded_error");
    expect(toUpstreamError("x", openaiError(503, {}, { "retry-after": "1" })).details.retryAfterMs).toBe(
      1000,
    );
  });

  it("401 and 403 are auth, without the upstream's message", () => {
    const e401 = toUpstreamError(
      "openai",
      openaiError(401, { message: "Incorrect API key provided: sk-abc", code: "invalid_api_key" }),
    );
    expect(e401).toMatchObject({ kind: "auth", message: "openai returned 401" });
    expect(toUpstreamError("anthropic", anthropicError(403, "permission_error", "no")).kind).toBe("auth");
  });

  it("other 4xx are client errors keeping a sanitized message, param and code", () => {
    const error = toUpstreamError(
      "openai",
      openaiError(400, {
        message: "Invalid value for 'temperature':\nexpected a number.",
        type: "invalid_request_error",
        param: "temperature",
        code: "invalid_value",
      }),
    );
    expect(error.kind).toBe("client");
    expect(error.message).toBe("openai returned 400: Invalid value for 'temperature': expected a number.");
    expect(error.details).toMatchObject({ status: 400, param: "temperature", upstreamCode: "invalid_value" });
    const anthropic = toUpstreamError(
      "anthropic",
      anthropicError(400, "invalid_request_error", "max_tokens: required"),
    );
    expect(anthropic.message).toBe("anthropic returned 400: max_tokens: required");
    expect(anthropic.details.upstreamCode).toBe("invalid_request_error");
    expect(toUpstreamError("x", openaiError(404, {})).message).toBe("x returned 404");
  });

  it("drops codes and params that are not short tokens", () => {
    const error = toUpstreamError(
      "x",
      openaiError(422, { message: "m", type: "a very long sentence", param: "a b", code: 42 }),
    );
    expect(error.details.upstreamCode).toBeUndefined();
    expect(error.details.param).toBeUndefined();
  });

  it("408 is a timeout and an odd status a protocol error", () => {
    expect(toUpstreamError("x", openaiError(408, {})).kind).toBe("timeout");
    expect(toUpstreamError("x", openaiError(302, {})).kind).toBe("protocol");
  });

  it("an error event inside an accepted stream maps by its type", () => {
    const event = (type: string) =>
      new OpenAI.APIError(undefined, { message: "boom", type }, undefined, new Headers());
    expect(toUpstreamError("x", event("server_error"))).toMatchObject({
      kind: "server",
      message: "x reported an error mid-stream",
    });
    expect(toUpstreamError("x", event("rate_limit_error")).kind).toBe("rate_limit");
    expect(toUpstreamError("x", event("invalid_request_error")).message).toBe(
      "x rejected the request mid-stream: boom",
    );
  });
});

describe("toUpstreamError: transport and other failures", () => {
  it("maps both SDKs' timeout and connection errors", () => {
    expect(toUpstreamError("x", new OpenAI.APIConnectionTimeoutError())).toMatchObject({
      kind: "timeout",
      message: "x did not answer in time",
    });
    expect(toUpstreamError("x", new Anthropic.APIConnectionTimeoutError()).kind).toBe("timeout");
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const connection = toUpstreamError(
      "x",
      new OpenAI.APIConnectionError({ cause: new TypeError("fetch failed", { cause: refused }) }),
    );
    expect(connection).toMatchObject({ kind: "connection", message: "connection to x failed" });
    expect(toUpstreamError("x", new Anthropic.APIConnectionError({})).kind).toBe("connection");
    const headersTimeout = Object.assign(new Error("Headers Timeout Error"), {
      code: "UND_ERR_HEADERS_TIMEOUT",
    });
    expect(toUpstreamError("x", new OpenAI.APIConnectionError({ cause: headersTimeout })).kind).toBe(
      "timeout",
    );
  });

  it("recognizes raw fetch failures while a body is read (mid-stream reset)", () => {
    const socket = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    expect(toUpstreamError("x", new TypeError("terminated", { cause: socket })).kind).toBe("connection");
    expect(toUpstreamError("x", new TypeError("terminated")).kind).toBe("connection");
    expect(toUpstreamError("x", Object.assign(new Error("read"), { code: "ECONNRESET" })).kind).toBe(
      "connection",
    );
  });

  it("anything else is a protocol error", () => {
    expect(toUpstreamError("x", new SyntaxError("Unexpected token < in JSON"))).toMatchObject({
      kind: "protocol",
      message: "x sent a response the gateway could not read",
    });
    expect(toUpstreamError("x", "weird").kind).toBe("protocol");
    expect(toUpstreamError("x", new TypeError("x is not a function")).kind).toBe("protocol");
  });

  it("keeps an UpstreamError as is and the original error as cause", () => {
    const original = new UpstreamError("client", "already mapped", { provider: "y" });
    expect(toUpstreamError("x", original)).toBe(original);
    const cause = new OpenAI.APIConnectionTimeoutError();
    expect(toUpstreamError("x", cause).cause).toBe(cause);
  });
});

describe("aborts", () => {
  it("isAbortError knows both SDKs' user aborts and DOM AbortErrors, not timeouts", () => {
    expect(isAbortError(new OpenAI.APIUserAbortError())).toBe(true);
    expect(isAbortError(new Anthropic.APIUserAbortError())).toBe(true);
    expect(isAbortError(new DOMException("aborted", "AbortError"))).toBe(true);
    expect(isAbortError(new OpenAI.APIConnectionTimeoutError())).toBe(false);
    expect(isAbortError(new DOMException("timed out", "TimeoutError"))).toBe(false);
    expect(isAbortError(new Error("AbortError"))).toBe(false);
    expect(isAbortError(undefined)).toBe(false);
  });

  it("settleUpstreamFailure keeps aborts, and treats anything after the caller's abort as one", () => {
    const abort = new OpenAI.APIUserAbortError();
    expect(settleUpstreamFailure("x", abort)).toBe(abort);
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(settleUpstreamFailure("x", new TypeError("terminated"), controller.signal))).toBe(
      true,
    );
    expect(settleUpstreamFailure("x", new TypeError("terminated"))).toMatchObject({ kind: "connection" });
  });
});

describe("sanitizeUpstreamMessage", () => {
  it("redacts keys, bearer tokens and long base64/hex runs", () => {
    const text = sanitizeUpstreamMessage(
      "Bad key sk-proj-AbCdEf0123456789xyz, header Bearer abc.def-ghi, api_key=hunter2hunter2 " +
        `blob ${"Qk9PTQ".repeat(10)} hex ${"deadbeef".repeat(5)} token: t0k3n`,
    );
    expect(text).toBe(
      "Bad key [redacted], header Bearer [redacted] api_key=[redacted] blob [redacted] hex [redacted] token: [redacted]",
    );
  });

  it("keeps model ids and ordinary words", () => {
    const message =
      "The model `deepseek-ai/DeepSeek-R1-Distill-Llama-70B` does not exist; max_tokens is too large";
    expect(sanitizeUpstreamMessage(message)).toBe(message);
  });

  it("is one line and capped near 300 characters", () => {
    const text = sanitizeUpstreamMessage(`line one\r\n\tline two ${"word ".repeat(200)}`);
    expect(text.startsWith("line one line two word")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text.endsWith("…")).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import {
  parseRateLimitDuration,
  withAnthropicRateLimitHeaders,
} from "../../src/dialects/anthropic-messages/anthropic-rate-limit-headers.ts";
import { formatRateLimitDuration } from "../../src/metering/limits/rate-limit.ts";

describe("Anthropic's rate-limit headers from OpenAI's", () => {
  it("reads back every duration the metering writes", () => {
    for (const ms of [0, 20, 999, 1000, 1500, 1230, 61_000, 3_600_000, 3_723_456]) {
      expect(parseRateLimitDuration(formatRateLimitDuration(ms))).toBe(ms);
    }
    expect(parseRateLimitDuration("")).toBeUndefined();
    expect(parseRateLimitDuration("soon")).toBeUndefined();
  });

  it("adds limit, remaining and an RFC 3339 reset per dimension, keeping OpenAI's", () => {
    const now = Date.parse("2026-12-04T10:00:00.000Z");
    const headers = withAnthropicRateLimitHeaders(
      {
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "59",
        "x-ratelimit-reset-requests": "1s",
        "x-ratelimit-limit-tokens": "1000",
        "x-ratelimit-remaining-tokens": "200",
        "x-ratelimit-reset-tokens": "48.2s",
      },
      now,
    );
    expect(headers).toMatchObject({
      "x-ratelimit-limit-requests": "60",
      "anthropic-ratelimit-requests-limit": "60",
      "anthropic-ratelimit-requests-remaining": "59",
      "anthropic-ratelimit-requests-reset": "2026-12-04T10:00:01.000Z",
      "anthropic-ratelimit-tokens-limit": "1000",
      "anthropic-ratelimit-tokens-remaining": "200",
      "anthropic-ratelimit-tokens-reset": "2026-12-04T10:00:49.000Z",
    });
    const none = {};
    expect(withAnthropicRateLimitHeaders(none)).toBe(none);
  });
});

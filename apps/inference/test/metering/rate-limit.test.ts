import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { formatRateLimitDuration, rateLimitHeaders } from "../../src/metering/limits/rate-limit.ts";
import { createMemoryRateLimiter } from "../../src/metering/limits/rate-limit-memory.ts";
import { createRedisRateLimiter } from "../../src/metering/limits/rate-limit-redis.ts";
import { deleteKeys, randomKeyPrefix } from "./rate-limit-redis-support.ts";
import { rateLimiterBehaviour } from "./rate-limit-suite.ts";

const redisUrl = process.env.TEST_REDIS_URL;

describe("memory rate limiter", () => {
  rateLimiterBehaviour(async () => {
    let clock = 1_000_000;
    const limiter = createMemoryRateLimiter({ now: () => clock });
    return {
      limiter,
      slackMs: 0,
      async advance(ms) {
        clock += ms;
      },
      close: () => limiter.close(),
    };
  });
});

describe.skipIf(!redisUrl)("redis rate limiter", () => {
  rateLimiterBehaviour(async () => {
    const redis = new Redis(redisUrl!);
    await redis.ping();
    const keyPrefix = randomKeyPrefix();
    // A generous timeout: these tests are about behaviour, not latency.
    const limiter = createRedisRateLimiter(redis, { keyPrefix, commandTimeoutMs: 2000 });
    return {
      limiter,
      slackMs: 300,
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      async close() {
        await limiter.close();
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      },
    };
  });
});

describe("rate limit headers", () => {
  it("formats durations as OpenAI does (Go durations, to the millisecond)", () => {
    expect(formatRateLimitDuration(0)).toBe("0s");
    expect(formatRateLimitDuration(-5)).toBe("0s");
    expect(formatRateLimitDuration(0.2)).toBe("1ms");
    expect(formatRateLimitDuration(20)).toBe("20ms");
    expect(formatRateLimitDuration(999)).toBe("999ms");
    expect(formatRateLimitDuration(1000)).toBe("1s");
    expect(formatRateLimitDuration(1500)).toBe("1.5s");
    expect(formatRateLimitDuration(8640)).toBe("8.64s");
    expect(formatRateLimitDuration(17_281)).toBe("17.281s");
    expect(formatRateLimitDuration(12_005)).toBe("12.005s");
    expect(formatRateLimitDuration(60_000)).toBe("1m0s");
    expect(formatRateLimitDuration(360_000)).toBe("6m0s");
    expect(formatRateLimitDuration(179_560)).toBe("2m59.56s");
    expect(formatRateLimitDuration(3_600_000)).toBe("1h0m0s");
    expect(formatRateLimitDuration(3_723_400)).toBe("1h2m3.4s");
  });

  it("sends limit, remaining and reset per limited dimension", () => {
    expect(
      rateLimitHeaders({
        allowed: true,
        requests: { limit: 60, remaining: 59, resetMs: 1000 },
        tokens: { limit: 150_000, remaining: 149_984, resetMs: 360_000 },
      }),
    ).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-limit-tokens": "150000",
      "x-ratelimit-remaining-tokens": "149984",
      "x-ratelimit-reset-tokens": "6m0s",
    });
    expect(rateLimitHeaders({ allowed: true, tokens: { limit: 10, remaining: 0, resetMs: 20 } })).toEqual({
      "x-ratelimit-limit-tokens": "10",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "20ms",
    });
  });

  it("adds retry-after in whole seconds, at least 1, only when refused and waiting helps", () => {
    const requests = { limit: 10, remaining: 0, resetMs: 6000 };
    expect(rateLimitHeaders({ allowed: false, requests, retryAfterMs: 6000 })["retry-after"]).toBe("6");
    expect(rateLimitHeaders({ allowed: false, requests, retryAfterMs: 6001 })["retry-after"]).toBe("7");
    expect(rateLimitHeaders({ allowed: false, requests, retryAfterMs: 3 })["retry-after"]).toBe("1");
    expect(rateLimitHeaders({ allowed: false, requests })["retry-after"]).toBeUndefined();
    expect(rateLimitHeaders({ allowed: true, requests, retryAfterMs: 5000 })["retry-after"]).toBeUndefined();
  });
});

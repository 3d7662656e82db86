import { describe, expect, it } from "vitest";
import { createMemoryRateLimiter } from "../../src/metering/limits/rate-limit-memory.ts";

function fakeClock(start = 0) {
  const clock = { now: start, tick: (ms: number) => (clock.now += ms) };
  return clock;
}

describe("memory rate limiter (fake clock)", () => {
  it("gives a 10/min key 10 requests at once, then exactly one more every 6 s", async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: () => clock.now });
    const limits = { rpm: 10, tpm: null };
    const burst = await Promise.all(Array.from({ length: 50 }, () => limiter.consume("k", limits, 0)));
    expect(burst.filter((d) => d.allowed)).toHaveLength(10);

    const admittedAt: number[] = [];
    for (let t = 0; t < 60_000; t += 500) {
      clock.tick(500);
      if ((await limiter.consume("k", limits, 0)).allowed) admittedAt.push(clock.now);
    }
    expect(admittedAt).toEqual([
      6000, 12_000, 18_000, 24_000, 30_000, 36_000, 42_000, 48_000, 54_000, 60_000,
    ]);

    clock.tick(5999);
    expect((await limiter.consume("k", limits, 0)).allowed).toBe(false);
    clock.tick(1);
    expect((await limiter.consume("k", limits, 0)).allowed).toBe(true);
  });

  it("forgets keys once their buckets are full again, so keys seen once do not pile up", async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: () => clock.now });
    for (let i = 0; i < 100_000; i++) await limiter.consume(`once-${i}`, { rpm: 10, tpm: 1000 }, 100);
    expect(limiter.size()).toBe(100_000);
    clock.tick(60_000);
    await limiter.consume("steady", { rpm: 10, tpm: null }, 0);
    expect(limiter.size()).toBe(100_001);
    clock.tick(60_000); // 2 min: the first generation turns over but is kept one more period
    expect(limiter.size()).toBe(100_001);
    await limiter.consume("steady", { rpm: 10, tpm: null }, 0);
    clock.tick(120_000);
    expect(limiter.size()).toBe(1); // only "steady", used 2 min ago
    clock.tick(120_000);
    expect(limiter.size()).toBe(0);
    // A forgotten key starts full, which it would be anyway.
    expect((await limiter.consume("once-1", { rpm: 10, tpm: 1000 }, 100)).requests!.remaining).toBe(9);
  });

  it("keeps a key in the deepest debt until it has refilled", async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: () => clock.now });
    const limits = { rpm: null, tpm: 100 };
    clock.tick(119_999); // just before the first rotation
    await limiter.adjustTokens("debtor", limits, 1_000_000); // -100 tokens: full after 120 s
    clock.tick(1);
    expect(limiter.size()).toBe(1); // a generation turns over
    clock.tick(119_998);
    const before = await limiter.consume("debtor", limits, 0);
    expect(before.tokens!.remaining).toBe(99);
    expect(before.tokens!.resetMs).toBe(1);
    clock.tick(1);
    expect((await limiter.consume("debtor", limits, 0)).tokens).toEqual({
      limit: 100,
      remaining: 100,
      resetMs: 0,
    });
  });

  it("keeps no state for refused requests of unknown keys or for refunds to full buckets", async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0 });
    await limiter.consume("big", { rpm: 10, tpm: 100 }, 1000);
    await limiter.consume("none", { rpm: null, tpm: null }, 1000);
    await limiter.adjustTokens("refund", { rpm: null, tpm: 100 }, -10);
    expect(limiter.size()).toBe(0);
    await limiter.consume("refund", { rpm: null, tpm: 100 }, 10);
    await limiter.adjustTokens("refund", { rpm: null, tpm: 100 }, -10);
    expect(limiter.size()).toBe(0);
  });

  it("does not refill, or break, when the clock goes backwards", async () => {
    const clock = fakeClock(10_000);
    const limiter = createMemoryRateLimiter({ now: () => clock.now });
    await limiter.consume("k", { rpm: 1, tpm: null }, 0);
    clock.tick(-5000);
    const refused = await limiter.consume("k", { rpm: 1, tpm: null }, 0);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(60_000);
    // Refill counts from the last write on: time spent before it, going back, is not refill.
    clock.tick(64_999);
    expect((await limiter.consume("k", { rpm: 1, tpm: null }, 0)).allowed).toBe(false);
    clock.tick(1);
    expect((await limiter.consume("k", { rpm: 1, tpm: null }, 0)).allowed).toBe(true);
  });

  it("works on its own clock", async () => {
    const limiter = createMemoryRateLimiter();
    const first = await limiter.consume("k", { rpm: 2, tpm: 10 }, 5);
    expect(first).toEqual({
      allowed: true,
      requests: { limit: 2, remaining: 1, resetMs: 30_000 },
      tokens: { limit: 10, remaining: 5, resetMs: 30_000 },
    });
    expect((await limiter.consume("k", { rpm: 2, tpm: 10 }, 6)).allowed).toBe(false);
  });
});

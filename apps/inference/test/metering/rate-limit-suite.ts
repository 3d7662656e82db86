// The behaviour every RateLimiter must show, run against each implementation.
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  rateLimitHeaders,
} from "../../src/metering/limits/rate-limit.ts";

export interface RateLimiterHarness {
  limiter: RateLimiter;
  /** Lets `ms` of limiter time pass: a fake clock moves, or the test really waits. */
  advance(ms: number): Promise<void>;
  /**
   * How far timings may drift from the ideal (0 with a fake clock). Elapsed time only refills, so
   * resets and waits may be up to this much shorter than ideal, never longer.
   */
  slackMs: number;
  close(): Promise<void>;
}

let keyCounter = 0;
const newKey = () => `key_${process.pid}_${++keyCounter}_${Math.random().toString(36).slice(2, 8)}`;

const allowedCount = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length;

export function rateLimiterBehaviour(makeHarness: () => Promise<RateLimiterHarness>): void {
  let h: RateLimiterHarness;
  beforeEach(async () => {
    h = await makeHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /** `actual` is `ideal` up to the harness's slack (time passing only shortens waits). */
  const expectWait = (actual: number | undefined, ideal: number) => {
    expect(actual).toBeDefined();
    expect(actual!).toBeLessThanOrEqual(ideal);
    expect(actual!).toBeGreaterThanOrEqual(ideal - h.slackMs);
  };

  it("starts a new key full and reports limit, remaining and time to full", async () => {
    const decision = await h.limiter.consume(newKey(), { rpm: 10, tpm: 100 }, 10);
    expect(decision).toEqual({
      allowed: true,
      requests: { limit: 10, remaining: 9, resetMs: 6000 },
      tokens: { limit: 100, remaining: 90, resetMs: 6000 },
    });
  });

  it("admits exactly the limit out of many simultaneous requests, then none", async () => {
    const key = newKey();
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () => h.limiter.consume(key, { rpm: 10, tpm: null }, 100)),
    );
    expect(allowedCount(decisions)).toBe(10);
    const remaining = decisions.filter((d) => d.allowed).map((d) => d.requests!.remaining);
    expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const refused of decisions.filter((d) => !d.allowed)) {
      expect(refused.requests!.remaining).toBe(0);
      expect(refused.tokens).toBeUndefined();
      expectWait(refused.retryAfterMs, 6000);
      expect(rateLimitHeaders(refused)["retry-after"]).toBe("6");
    }
  });

  it("refills continuously: one more request per 60000/rpm ms", async () => {
    const key = newKey();
    const limits = { rpm: 120, tpm: null };
    const burst = await Promise.all(Array.from({ length: 130 }, () => h.limiter.consume(key, limits, 0)));
    expect(allowedCount(burst)).toBe(120);
    const refused = await h.limiter.consume(key, limits, 0);
    expect(refused.allowed).toBe(false);
    expectWait(refused.retryAfterMs, 500);
    await h.advance(500);
    expect((await h.limiter.consume(key, limits, 0)).allowed).toBe(true);
    const next = await h.limiter.consume(key, limits, 0);
    expect(next.allowed).toBe(false);
    expectWait(next.retryAfterMs, 500);
  });

  it("refills tokens at tpm/60000 per ms", async () => {
    const key = newKey();
    const limits = { rpm: null, tpm: 600 }; // 1 token per 100 ms
    expect((await h.limiter.consume(key, limits, 600)).tokens).toEqual({
      limit: 600,
      remaining: 0,
      resetMs: 60_000,
    });
    const empty = await h.limiter.consume(key, limits, 1);
    expect(empty.allowed).toBe(false);
    expectWait(empty.retryAfterMs, 100);
    await h.advance(220); // 2.2 tokens
    const two = await h.limiter.consume(key, limits, 2);
    expect(two.allowed).toBe(true);
    expect(two.tokens!.remaining).toBe(0);
    const more = await h.limiter.consume(key, limits, 2);
    expect(more.allowed).toBe(false);
    expectWait(more.retryAfterMs, 180); // 1.8 tokens short
  });

  it("takes nothing from either bucket when a request is refused", async () => {
    const key = newKey();
    const limits = { rpm: 10, tpm: 100 };
    expect((await h.limiter.consume(key, limits, 80)).allowed).toBe(true);
    // Too many tokens: the request bucket is not touched either.
    const tooMany = await h.limiter.consume(key, limits, 50);
    expect(tooMany.allowed).toBe(false);
    expect(tooMany.requests!.remaining).toBe(9);
    expect(tooMany.tokens!.remaining).toBe(20);
    expectWait(tooMany.retryAfterMs, 30 * 600); // 30 tokens short, 600 ms each
    const fits = await h.limiter.consume(key, limits, 20);
    expect(fits.allowed).toBe(true);
    expect(fits.requests!.remaining).toBe(8);
    expect(fits.tokens!.remaining).toBe(0);

    // Too many requests: the token bucket is not touched.
    const other = newKey();
    expect((await h.limiter.consume(other, { rpm: 1, tpm: 100 }, 10)).allowed).toBe(true);
    const noRequest = await h.limiter.consume(other, { rpm: 1, tpm: 100 }, 10);
    expect(noRequest.allowed).toBe(false);
    expect(noRequest.tokens!.remaining).toBe(90);
    expectWait(noRequest.retryAfterMs, 60_000);
  });

  it("refuses a request larger than the tpm limit for good, without touching the buckets", async () => {
    const key = newKey();
    const limits = { rpm: 10, tpm: 100 };
    const huge = await h.limiter.consume(key, limits, 101);
    expect(huge.allowed).toBe(false);
    expect(huge.retryAfterMs).toBeUndefined();
    expect(huge.requests).toEqual({ limit: 10, remaining: 10, resetMs: 0 });
    expect(huge.tokens).toEqual({ limit: 100, remaining: 100, resetMs: 0 });
    expect(rateLimitHeaders(huge)["retry-after"]).toBeUndefined();
    // Exactly the limit fits.
    expect((await h.limiter.consume(key, limits, 100)).allowed).toBe(true);
  });

  it("treats a limit of 0 as admitting nothing, ever", async () => {
    const blocked = await h.limiter.consume(newKey(), { rpm: 0, tpm: null }, 0);
    expect(blocked.allowed).toBe(false);
    expect(blocked.retryAfterMs).toBeUndefined();
    expect(blocked.requests).toEqual({ limit: 0, remaining: 0, resetMs: 0 });
    const noTokens = await h.limiter.consume(newKey(), { rpm: null, tpm: 0 }, 1);
    expect(noTokens.allowed).toBe(false);
    expect(noTokens.retryAfterMs).toBeUndefined();
  });

  it("enforces both dimensions: whichever is tighter decides", async () => {
    const tokensBind = newKey();
    const byTokens = [];
    for (let i = 0; i < 4; i++) byTokens.push(await h.limiter.consume(tokensBind, { rpm: 100, tpm: 50 }, 20));
    expect(byTokens.map((d) => d.allowed)).toEqual([true, true, false, false]);
    expect(byTokens[2]!.requests!.remaining).toBe(98);
    expectWait(byTokens[2]!.retryAfterMs, 10 * 1200); // 10 tokens short at 1200 ms each

    const requestsBind = newKey();
    const byRequests = await Promise.all(
      Array.from({ length: 5 }, () => h.limiter.consume(requestsBind, { rpm: 2, tpm: 1_000_000 }, 10)),
    );
    expect(allowedCount(byRequests)).toBe(2);

    // Both short: the wait is for the later of the two.
    const both = newKey();
    expect((await h.limiter.consume(both, { rpm: 1, tpm: 60 }, 60)).allowed).toBe(true);
    const refused = await h.limiter.consume(both, { rpm: 1, tpm: 60 }, 30);
    expect(refused.allowed).toBe(false);
    expectWait(refused.retryAfterMs, 60_000); // requests: 60 s; tokens: 30 s
  });

  it("leaves unlimited dimensions out", async () => {
    const key = newKey();
    const none = await h.limiter.consume(key, { rpm: null, tpm: null }, 1e9);
    expect(none).toEqual({ allowed: true });
    expect(rateLimitHeaders(none)).toEqual({});

    const onlyTokens = await h.limiter.consume(key, { rpm: null, tpm: 100 }, 40);
    expect(onlyTokens.requests).toBeUndefined();
    expect(onlyTokens.tokens).toEqual({ limit: 100, remaining: 60, resetMs: 24_000 });

    const onlyRequests = newKey();
    const decisions = await Promise.all(
      Array.from({ length: 8 }, () => h.limiter.consume(onlyRequests, { rpm: 5, tpm: null }, 1e9)),
    );
    expect(allowedCount(decisions)).toBe(5);
    expect(decisions[0]!.tokens).toBeUndefined();
  });

  it("gives tokens back with a negative adjustment, never beyond capacity", async () => {
    const key = newKey();
    const limits = { rpm: null, tpm: 100 };
    expect((await h.limiter.consume(key, limits, 60)).tokens!.remaining).toBe(40);
    expect((await h.limiter.consume(key, limits, 50)).allowed).toBe(false);
    await h.limiter.adjustTokens(key, limits, -30);
    const after = await h.limiter.consume(key, limits, 50);
    expect(after.allowed).toBe(true);
    expect(after.tokens!.remaining).toBe(20);

    await h.limiter.adjustTokens(key, limits, -1000);
    const full = await h.limiter.consume(key, limits, 0);
    expect(full.tokens).toEqual({ limit: 100, remaining: 100, resetMs: 0 });
    // A refund to an unknown (full) key changes nothing.
    await h.limiter.adjustTokens(newKey(), limits, -50);
  });

  it("takes more with a positive adjustment: the key owes at most one minute of tokens", async () => {
    const key = newKey();
    const limits = { rpm: 10, tpm: 100 };
    await h.limiter.consume(key, limits, 10);
    await h.limiter.adjustTokens(key, limits, 50); // 40 left
    expect((await h.limiter.consume(key, limits, 40)).tokens!.remaining).toBe(0);
    await h.limiter.adjustTokens(key, limits, 30); // 30 in debt
    const owing = await h.limiter.consume(key, limits, 1);
    expect(owing.allowed).toBe(false);
    expect(owing.tokens).toEqual({ limit: 100, remaining: 0, resetMs: owing.tokens!.resetMs });
    expectWait(owing.tokens!.resetMs, 130 * 600);
    expectWait(owing.retryAfterMs, 31 * 600);
    expect(owing.requests!.remaining).toBe(8);

    await h.limiter.adjustTokens(key, limits, 1_000_000); // debt capped at -tpm
    const capped = await h.limiter.consume(key, limits, 1);
    expectWait(capped.retryAfterMs, 101 * 600);
    expectWait(capped.tokens!.resetMs, 200 * 600);
  });

  it("does nothing for an adjustment of 0 or an unlimited tpm", async () => {
    const key = newKey();
    await h.limiter.consume(key, { rpm: null, tpm: 100 }, 10);
    await h.limiter.adjustTokens(key, { rpm: null, tpm: 100 }, 0);
    await h.limiter.adjustTokens(key, { rpm: 5, tpm: null }, 50);
    expect((await h.limiter.consume(key, { rpm: null, tpm: 100 }, 0)).tokens!.remaining).toBe(90);
  });

  it("applies a changed limit at once", async () => {
    const key = newKey();
    await h.limiter.consume(key, { rpm: 10, tpm: null }, 0);
    const lowered = await h.limiter.consume(key, { rpm: 3, tpm: null }, 0);
    expect(lowered.requests).toEqual({ limit: 3, remaining: 2, resetMs: 20_000 });
    const raised = await h.limiter.consume(key, { rpm: 100, tpm: null }, 0);
    expect(raised.requests!.remaining).toBe(1);
  });

  it("keeps keys apart", async () => {
    const a = newKey();
    const b = newKey();
    expect((await h.limiter.consume(a, { rpm: 1, tpm: null }, 0)).allowed).toBe(true);
    expect((await h.limiter.consume(a, { rpm: 1, tpm: null }, 0)).allowed).toBe(false);
    expect((await h.limiter.consume(b, { rpm: 1, tpm: null }, 0)).allowed).toBe(true);
  });

  it("rounds fractional tokens up and rejects nonsense arguments", async () => {
    const key = newKey();
    expect((await h.limiter.consume(key, { rpm: null, tpm: 10 }, 2.1)).tokens!.remaining).toBe(7);
    await expect(h.limiter.consume(key, { rpm: null, tpm: 10 }, -1)).rejects.toThrow(RangeError);
    await expect(h.limiter.consume(key, { rpm: null, tpm: 10 }, Number.NaN)).rejects.toThrow(RangeError);
    await expect(h.limiter.consume(key, { rpm: -5, tpm: null }, 1)).rejects.toThrow(RangeError);
    await expect(h.limiter.consume(key, { rpm: Number.POSITIVE_INFINITY, tpm: null }, 1)).rejects.toThrow(
      RangeError,
    );
    await expect(h.limiter.adjustTokens(key, { rpm: null, tpm: 10 }, Number.NaN)).rejects.toThrow(RangeError);
  });

  it("rejects calls after close with RateLimiterUnavailableError", async () => {
    await h.limiter.close();
    const error = await h.limiter.consume(newKey(), { rpm: 1, tpm: null }, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimiterUnavailableError);
    expect((error as RateLimiterUnavailableError).reason).toBe("closed");
    await expect(h.limiter.adjustTokens(newKey(), { rpm: null, tpm: 5 }, 1)).rejects.toBeInstanceOf(
      RateLimiterUnavailableError,
    );
  });
}

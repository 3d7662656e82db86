// Per-API-key rate limits: requests per minute and tokens per minute, as OpenAI does them: two
// continuously refilling token buckets per key. A bucket holds at most `limit` (a new or idle key
// starts full) and refills at `limit` per 60 000 ms, so a 10/min key gets 10 requests at once, then
// one more every 6 s, with no window edges to double count at. Implementations: in-process
// (rate-limit-memory.ts) and Redis (rate-limit-redis.ts, exact across replicas).
//
// Semantics shared by every implementation:
// - consume takes 1 request and `tokens` tokens only if both fit; a refused request takes nothing.
// - A request that can never fit (tokens > the key's tpm, or a limit of 0) is refused with
//   retryAfterMs undefined: waiting does not help, so answer 429 saying the request is larger than
//   the key's limit (and send no Retry-After). Any other refusal has retryAfterMs >= 1.
// - adjustTokens moves the token bucket after the response: a refund (negative delta) fills it at
//   most to capacity; a surcharge (positive delta) may take it below zero, down to -tpm at most (one
//   minute of debt): the key then waits until the bucket refills, so real usage above the estimate
//   counts, but one wildly wrong estimate cannot lock a key out for longer than about two minutes.
// - Limits travel with every call (they live on the key): a changed limit applies at once; a bucket
//   holding more than a lowered capacity is cut to it.
// - Time comes from one clock per implementation (Redis: the server's TIME), in whole milliseconds.

/** A key's limits; null = unlimited on that dimension. Limits are whole numbers per minute. */
export interface RateLimits {
  rpm: number | null;
  tpm: number | null;
}

export interface RateLimitBucketState {
  /** The per-minute limit (the bucket's capacity). */
  limit: number;
  /** Whole units left in the bucket (after this request, if it was admitted); never negative. */
  remaining: number;
  /** Milliseconds until the bucket is full again if nothing else is taken. */
  resetMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** For x-ratelimit-* headers; undefined when that dimension is unlimited. */
  requests?: RateLimitBucketState;
  tokens?: RateLimitBucketState;
  /**
   * When refused: milliseconds until this request would fit (for Retry-After), at least 1.
   * Undefined on a refusal means it can never fit (tokens above the tpm limit, or a limit of 0).
   */
  retryAfterMs?: number;
}

export interface RateLimiter {
  /**
   * Atomically: if 1 request and `tokens` tokens fit both buckets, take them; otherwise take
   * nothing. `tokens` is rounded up to a whole number; negative or non-finite values throw a
   * RangeError, as do negative or non-finite limits.
   */
  consume(keyId: string, limits: RateLimits, tokens: number): Promise<RateLimitDecision>;
  /**
   * After the response: give back (negative delta) or take more (positive delta) tokens. A refund
   * never fills the bucket beyond capacity; a surcharge may push it below zero, but not below -tpm.
   * A no-op when tpm is unlimited or delta is 0. `delta` is rounded to a whole number.
   */
  adjustTokens(keyId: string, limits: RateLimits, delta: number): Promise<void>;
  /** Stops the limiter; later calls reject with RateLimiterUnavailableError (reason "closed"). */
  close(): Promise<void>;
}

export type RateLimiterUnavailableReason = "timeout" | "not-ready" | "error" | "closed";

/**
 * The limiter could not decide (its store did not answer in time, is not connected, failed, or the
 * limiter is closed). Nothing is known about the buckets: the caller chooses to fail open (admit
 * without a check) or closed (answer 503).
 */
export class RateLimiterUnavailableError extends Error {
  override readonly name = "RateLimiterUnavailableError";
  readonly reason: RateLimiterUnavailableReason;

  constructor(reason: RateLimiterUnavailableReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * OpenAI's rate-limit headers for a decision: x-ratelimit-{limit,remaining,reset}-{requests,tokens}
 * for each limited dimension (resets as durations such as "20ms", "1s", "1.5s", "6m0s"), plus
 * retry-after in whole seconds (at least 1) when refused and waiting helps.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {};
  const { requests, tokens } = decision;
  if (requests !== undefined) {
    headers["x-ratelimit-limit-requests"] = String(requests.limit);
    headers["x-ratelimit-remaining-requests"] = String(requests.remaining);
    headers["x-ratelimit-reset-requests"] = formatRateLimitDuration(requests.resetMs);
  }
  if (tokens !== undefined) {
    headers["x-ratelimit-limit-tokens"] = String(tokens.limit);
    headers["x-ratelimit-remaining-tokens"] = String(tokens.remaining);
    headers["x-ratelimit-reset-tokens"] = formatRateLimitDuration(tokens.resetMs);
  }
  if (!decision.allowed && decision.retryAfterMs !== undefined) {
    headers["retry-after"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  }
  return headers;
}

/**
 * A duration as OpenAI writes it in x-ratelimit-reset-* (Go's time.Duration format, to the
 * millisecond): "0s", "20ms", "1s", "1.5s", "6m0s", "1h0m0s".
 */
export function formatRateLimitDuration(ms: number): string {
  if (!(ms > 0)) return "0s";
  const total = Math.ceil(ms);
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const millis = total % 60_000;
  const wholeSeconds = Math.floor(millis / 1000);
  const fraction = millis % 1000;
  let seconds: string;
  if (fraction === 0) seconds = `${wholeSeconds}s`;
  else if (fraction % 100 === 0) seconds = `${wholeSeconds}.${fraction / 100}s`;
  else if (fraction % 10 === 0) seconds = `${wholeSeconds}.${String(fraction / 10).padStart(2, "0")}s`;
  else seconds = `${wholeSeconds}.${String(fraction).padStart(3, "0")}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

// Arithmetic and argument checks shared by the rate-limiter implementations (not public API).
//
// Buckets are kept in fixed-point units: one request or token is UNITS_PER_TOKEN (60 000) units, so
// a bucket with a per-minute limit L holds at most L * 60 000 units and refills exactly L units per
// millisecond. Everything stays an integer below 2^53 (exact in a double, in JS and in Redis Lua)
// while limits and token counts stay at or below MAX_RATE_LIMIT.
import type { RateLimitDecision } from "./rate-limit.ts";

export const UNITS_PER_TOKEN = 60_000;

/** Largest limit or token count accepted: 1e11 * 60 000 = 6e15 < 2^53. */
export const MAX_RATE_LIMIT = 100_000_000_000;

/**
 * Bucket state is dropped once it would be full again anyway. The lowest a bucket can be is -limit
 * (the most debt adjustTokens leaves), and from there it is full after 2 * 60 000 ms.
 */
export const MAX_REFILL_MS = 120_000;

/** A limit as the implementations take it: -1 for unlimited, else a whole number >= 0. */
export function normalizeLimit(limit: number | null, name: string): number {
  if (limit === null) return -1;
  if (!(limit >= 0 && limit <= MAX_RATE_LIMIT)) {
    throw new RangeError(
      `rate limit ${name} must be null or a number from 0 to ${MAX_RATE_LIMIT}, got ${limit}`,
    );
  }
  return Math.floor(limit);
}

/** A token count to consume: rounded up to a whole number >= 0. */
export function normalizeTokens(tokens: number): number {
  if (!(tokens >= 0 && tokens <= MAX_RATE_LIMIT)) {
    throw new RangeError(`tokens must be a number from 0 to ${MAX_RATE_LIMIT}, got ${tokens}`);
  }
  return Math.ceil(tokens);
}

/** A token adjustment: rounded to a whole number, clamped to +-MAX_RATE_LIMIT (beyond that it cannot matter). */
export function normalizeDelta(delta: number): number {
  if (Number.isNaN(delta)) throw new RangeError("token delta must be a number, got NaN");
  if (delta > MAX_RATE_LIMIT) return MAX_RATE_LIMIT;
  if (delta < -MAX_RATE_LIMIT) return -MAX_RATE_LIMIT;
  return Math.round(delta);
}

/**
 * The decision from the numbers both implementations compute. `retry` is 0 when allowed and -1
 * when the request can never fit; limits are -1 when unlimited.
 */
export function buildDecision(
  allowed: boolean,
  rpm: number,
  requestsRemaining: number,
  requestsResetMs: number,
  tpm: number,
  tokensRemaining: number,
  tokensResetMs: number,
  retry: number,
): RateLimitDecision {
  const decision: RateLimitDecision = { allowed };
  if (rpm >= 0) decision.requests = { limit: rpm, remaining: requestsRemaining, resetMs: requestsResetMs };
  if (tpm >= 0) decision.tokens = { limit: tpm, remaining: tokensRemaining, resetMs: tokensResetMs };
  if (!allowed && retry > 0) decision.retryAfterMs = retry;
  return decision;
}

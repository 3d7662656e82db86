// The rate limiter for single-process mode: both buckets of a key in one small object in a Map.
// Same semantics and fixed-point arithmetic as the Redis limiter (see rate-limit.ts and
// rate-limit-shared.ts); JavaScript is single-threaded, so check-and-take is atomic by itself.
//
// Memory stays bounded without a sweep over all keys: state lives in two generations of Maps. Every
// MAX_REFILL_MS (checked lazily on calls) the older generation is dropped whole and the current one
// becomes the older; a key used again is moved back to the current one. A dropped key was last
// written at least MAX_REFILL_MS earlier, so its buckets are full again by then: forgetting it
// changes nothing. A key seen once is forgotten between 2 and 4 minutes later.
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  type RateLimits,
} from "./rate-limit.ts";
import {
  buildDecision,
  MAX_REFILL_MS,
  normalizeDelta,
  normalizeLimit,
  normalizeTokens,
  UNITS_PER_TOKEN,
} from "./rate-limit-shared.ts";

export interface MemoryRateLimiterOptions {
  /** Milliseconds from any fixed origin; defaults to performance.now (monotonic). */
  now?: () => number;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** How many keys have state right now (for tests and metrics). */
  size(): number;
}

/** Both buckets of one key. A level of Infinity means full (as if the key were unknown). */
interface KeyBuckets {
  requests: number;
  requestsAt: number;
  tokens: number;
  tokensAt: number;
}

const U = UNITS_PER_TOKEN;

/** The level of a bucket at `now`, in units: refilled since `at`, at most full. */
function levelAt(level: number, at: number, limit: number, now: number): number {
  const capacity = limit * U;
  if (level === Infinity) return capacity;
  const elapsed = now - at;
  if (elapsed > 0) level += elapsed * limit;
  return Math.min(level, capacity);
}

const remainingOf = (level: number) => (level > 0 ? Math.floor(level / U) : 0);
const resetMsOf = (level: number, limit: number) => (limit > 0 ? Math.ceil((limit * U - level) / limit) : 0);

export function createMemoryRateLimiter(options?: MemoryRateLimiterOptions): MemoryRateLimiter {
  const now = options?.now ?? (() => performance.now());
  let current = new Map<string, KeyBuckets>();
  let older = new Map<string, KeyBuckets>();
  let rotatedAt = now();
  let closed = false;

  function rotate(at: number): void {
    const since = at - rotatedAt;
    if (since < MAX_REFILL_MS) return;
    older = since < 2 * MAX_REFILL_MS ? current : new Map();
    current = new Map();
    rotatedAt = at;
  }

  function lookup(keyId: string): KeyBuckets | undefined {
    let buckets = current.get(keyId);
    if (buckets === undefined) {
      buckets = older.get(keyId);
      if (buckets !== undefined) {
        older.delete(keyId);
        current.set(keyId, buckets);
      }
    }
    return buckets;
  }

  function create(keyId: string): KeyBuckets {
    const buckets: KeyBuckets = { requests: Infinity, requestsAt: 0, tokens: Infinity, tokensAt: 0 };
    current.set(keyId, buckets);
    return buckets;
  }

  const closedError = () => new RateLimiterUnavailableError("closed", "the rate limiter is closed");

  return {
    async consume(keyId: string, limits: RateLimits, tokens: number): Promise<RateLimitDecision> {
      if (closed) throw closedError();
      const rpm = normalizeLimit(limits.rpm, "rpm");
      const tpm = normalizeLimit(limits.tpm, "tpm");
      const need = normalizeTokens(tokens) * U;
      if (rpm < 0 && tpm < 0) return { allowed: true };
      const at = now();
      rotate(at);
      const buckets = lookup(keyId);

      let requestLevel = 0;
      let tokenLevel = 0;
      let allowed = true;
      if (rpm >= 0) {
        requestLevel =
          buckets === undefined ? rpm * U : levelAt(buckets.requests, buckets.requestsAt, rpm, at);
        if (requestLevel < U) allowed = false;
      }
      if (tpm >= 0) {
        tokenLevel = buckets === undefined ? tpm * U : levelAt(buckets.tokens, buckets.tokensAt, tpm, at);
        if (tokenLevel < need) allowed = false;
      }

      let retry = 0;
      if (allowed) {
        const target = buckets ?? create(keyId);
        if (rpm >= 0) {
          requestLevel -= U;
          target.requests = requestLevel;
          target.requestsAt = at;
        }
        if (tpm >= 0 && need > 0) {
          tokenLevel -= need;
          target.tokens = tokenLevel;
          target.tokensAt = at;
        }
      } else {
        // How long until both buckets hold enough; -1 when one never can.
        if (rpm >= 0 && requestLevel < U) retry = rpm === 0 ? -1 : Math.ceil((U - requestLevel) / rpm);
        if (retry >= 0 && tpm >= 0 && tokenLevel < need) {
          if (need > tpm * U) retry = -1;
          else {
            const wait = Math.ceil((need - tokenLevel) / tpm);
            if (wait > retry) retry = wait;
          }
        }
      }
      return buildDecision(
        allowed,
        rpm,
        remainingOf(requestLevel),
        resetMsOf(requestLevel, rpm),
        tpm,
        remainingOf(tokenLevel),
        resetMsOf(tokenLevel, tpm),
        retry,
      );
    },

    async adjustTokens(keyId: string, limits: RateLimits, delta: number): Promise<void> {
      if (closed) throw closedError();
      const tpm = normalizeLimit(limits.tpm, "tpm");
      const change = normalizeDelta(delta) * U;
      if (tpm < 0 || change === 0) return;
      const at = now();
      rotate(at);
      const buckets = lookup(keyId);
      const capacity = tpm * U;
      let level = buckets === undefined ? capacity : levelAt(buckets.tokens, buckets.tokensAt, tpm, at);
      level -= change;
      if (level < -capacity) level = -capacity;
      if (level >= capacity) {
        // Full again: the same as no state at all.
        if (buckets !== undefined) {
          if (buckets.requests === Infinity) current.delete(keyId);
          else buckets.tokens = Infinity;
        }
        return;
      }
      const target = buckets ?? create(keyId);
      target.tokens = level;
      target.tokensAt = at;
    },

    async close(): Promise<void> {
      closed = true;
      current.clear();
      older.clear();
    },

    size(): number {
      rotate(now());
      return current.size + older.size;
    },
  };
}

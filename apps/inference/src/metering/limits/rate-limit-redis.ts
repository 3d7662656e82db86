// The rate limiter shared by all gateway replicas: both buckets of a key live in Redis and one Lua
// script checks and takes them atomically, on the Redis server's clock, so limits are exact however
// many replicas there are and whatever their clocks say.
//
// Keys: `<keyPrefix>{<keyId>}:r` (requests) and `<keyPrefix>{<keyId>}:t` (tokens), hashes
// {tokens, ts}: the level in fixed-point units (rate-limit-shared.ts: 60 000 per token, so refill is
// exactly `limit` units per ms, all integers) and the Redis time in ms it was taken at. The hash tag
// keeps both on one Redis Cluster slot. Each write sets the key's TTL to the time until the bucket
// is full again; a full bucket is deleted, since a missing key reads as full. Idle keys vanish.
//
// Failure: every call either settles within `commandTimeoutMs` (default 50) or rejects with
// RateLimiterUnavailableError; it never hangs. When the connection is not ready (connecting,
// reconnecting, closed) a call rejects at once ("not-ready") rather than waiting in ioredis' offline
// queue, where it could run long after the request was decided without it and take quota then. A
// call that timed out may still run on the server when it finally gets there (as with any timeout).
// The caller decides whether an unavailable limiter fails open or closed.
import type { Redis } from "ioredis";
import { withDeadline } from "../../deadline.ts";
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  type RateLimits,
} from "./rate-limit.ts";
import { buildDecision, normalizeDelta, normalizeLimit, normalizeTokens } from "./rate-limit-shared.ts";

export interface RedisRateLimiterOptions {
  /** Prepended to bucket keys (after the client's own keyPrefix); default "rl:". Must not contain "{". */
  keyPrefix?: string;
  /** Longest a call waits for Redis before rejecting with RateLimiterUnavailableError; default 50 ms. */
  commandTimeoutMs?: number;
}

/**
 * KEYS[1] request bucket, KEYS[2] token bucket.
 * ARGV: rpm (-1 unlimited), tpm (-1 unlimited), tokens, mode: 0 consume (1 request and `tokens`
 * if both fit), 1 adjust (take `tokens` more from the token bucket unconditionally; negative gives
 * back). Consume returns {allowed, rpm, requests remaining, requests reset ms, tpm, tokens
 * remaining, tokens reset ms, retry ms (0 allowed, -1 never fits)}; adjust returns 0. Stored
 * numbers are formatted with %.0f: Lua's default number-to-string keeps only 14 digits.
 */
export const RATE_LIMIT_LUA = `
local U = 60000
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])

local function level_of(key, limit)
  local capacity = limit * U
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local level = tonumber(state[1])
  local at = tonumber(state[2])
  if not level or not at then return capacity end
  if now > at then level = level + (now - at) * limit end
  if level > capacity then level = capacity end
  return level
end

local function store(key, level, limit)
  local capacity = limit * U
  if level >= capacity then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'tokens', string.format('%.0f', level), 'ts', string.format('%.0f', now))
    redis.call('PEXPIRE', key, string.format('%.0f', math.ceil((capacity - level) / limit) + 1))
  end
end

if ARGV[4] == '1' then
  if tpm < 0 or amount == 0 then return 0 end
  local capacity = tpm * U
  local level = level_of(KEYS[2], tpm) - amount * U
  if level < -capacity then level = -capacity end
  store(KEYS[2], level, tpm)
  return 0
end

local need = amount * U
local r_level, t_level = 0, 0
local allowed = true
if rpm >= 0 then
  r_level = level_of(KEYS[1], rpm)
  if r_level < U then allowed = false end
end
if tpm >= 0 then
  t_level = level_of(KEYS[2], tpm)
  if t_level < need then allowed = false end
end

local retry = 0
if allowed then
  if rpm >= 0 then
    r_level = r_level - U
    store(KEYS[1], r_level, rpm)
  end
  if tpm >= 0 and need > 0 then
    t_level = t_level - need
    store(KEYS[2], t_level, tpm)
  end
else
  if rpm >= 0 and r_level < U then
    if rpm == 0 then retry = -1 else retry = math.ceil((U - r_level) / rpm) end
  end
  if retry >= 0 and tpm >= 0 and t_level < need then
    if need > tpm * U then
      retry = -1
    else
      local wait = math.ceil((need - t_level) / tpm)
      if wait > retry then retry = wait end
    end
  end
end

local r_remaining, r_reset, t_remaining, t_reset = 0, 0, 0, 0
if rpm > 0 then
  if r_level > 0 then r_remaining = math.floor(r_level / U) end
  r_reset = math.ceil((rpm * U - r_level) / rpm)
end
if tpm > 0 then
  if t_level > 0 then t_remaining = math.floor(t_level / U) end
  t_reset = math.ceil((tpm * U - t_level) / tpm)
end
return {allowed and 1 or 0, rpm, r_remaining, r_reset, tpm, t_remaining, t_reset, retry}
`;

const COMMAND = "gatewayRateLimit";
const MODE_CONSUME = 0;
const MODE_ADJUST = 1;

type ScriptCommand = (
  this: Redis,
  requestKey: string,
  tokenKey: string,
  rpm: number,
  tpm: number,
  amount: number,
  mode: number,
) => Promise<unknown>;

/**
 * `work`'s reply through `parse`, or a rejection with RateLimiterUnavailableError: "timeout" when
 * `work` has not settled within `ms`, "error" when it failed.
 */
function withTimeout<T>(work: Promise<unknown>, ms: number, parse: (reply: unknown) => T): Promise<T> {
  return withDeadline(
    work.then(
      (reply) => {
        try {
          return parse(reply);
        } catch (error) {
          throw new RateLimiterUnavailableError("error", "rate limiter Redis reply is malformed", {
            cause: error,
          });
        }
      },
      (error: unknown) => {
        throw new RateLimiterUnavailableError("error", `rate limiter Redis call failed: ${String(error)}`, {
          cause: error,
        });
      },
    ),
    ms,
    () => new RateLimiterUnavailableError("timeout", `rate limiter Redis call took longer than ${ms} ms`),
  );
}

export function createRedisRateLimiter(redis: Redis, options?: RedisRateLimiterOptions): RateLimiter {
  const keyPrefix = options?.keyPrefix ?? "rl:";
  const timeoutMs = options?.commandTimeoutMs ?? 50;
  if (keyPrefix.includes("{"))
    throw new RangeError('rate limiter keyPrefix must not contain "{" (it sets the hash tag)');
  if (!(timeoutMs > 0)) throw new RangeError(`commandTimeoutMs must be a positive number, got ${timeoutMs}`);

  // Defined once per client; ioredis sends EVALSHA (EVAL only the first time on each connection).
  redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: RATE_LIMIT_LUA });
  const script = (redis as unknown as Record<string, ScriptCommand>)[COMMAND]!;
  let closed = false;

  /** The script's parsed reply, or a rejection with RateLimiterUnavailableError; never slower than the timeout. */
  function run<T>(
    keyId: string,
    rpm: number,
    tpm: number,
    amount: number,
    mode: number,
    parse: (reply: unknown) => T,
  ): Promise<T> {
    if (closed)
      return Promise.reject(new RateLimiterUnavailableError("closed", "the rate limiter is closed"));
    if (redis.status !== "ready") {
      // lazyConnect clients connect on their first command; this limiter sends none until ready.
      if (redis.status === "wait") redis.connect().catch(() => {});
      return Promise.reject(
        new RateLimiterUnavailableError("not-ready", `rate limiter Redis connection is ${redis.status}`),
      );
    }
    const tag = `${keyPrefix}{${keyId}}`;
    return withTimeout(script.call(redis, `${tag}:r`, `${tag}:t`, rpm, tpm, amount, mode), timeoutMs, parse);
  }

  return {
    consume(keyId: string, limits: RateLimits, tokens: number): Promise<RateLimitDecision> {
      let rpm: number;
      let tpm: number;
      let amount: number;
      try {
        rpm = normalizeLimit(limits.rpm, "rpm");
        tpm = normalizeLimit(limits.tpm, "tpm");
        amount = normalizeTokens(tokens);
      } catch (error) {
        return Promise.reject(error);
      }
      if (rpm < 0 && tpm < 0) {
        return closed
          ? Promise.reject(new RateLimiterUnavailableError("closed", "the rate limiter is closed"))
          : Promise.resolve({ allowed: true });
      }
      return run(keyId, rpm, tpm, amount, MODE_CONSUME, parseDecision);
    },

    adjustTokens(keyId: string, limits: RateLimits, delta: number): Promise<void> {
      let tpm: number;
      let change: number;
      try {
        tpm = normalizeLimit(limits.tpm, "tpm");
        change = normalizeDelta(delta);
      } catch (error) {
        return Promise.reject(error);
      }
      if (tpm < 0 || change === 0) {
        return closed
          ? Promise.reject(new RateLimiterUnavailableError("closed", "the rate limiter is closed"))
          : Promise.resolve();
      }
      return run(keyId, -1, tpm, change, MODE_ADJUST, ignore);
    },

    async close(): Promise<void> {
      // The connection belongs to the caller (it may serve other work): it stays open.
      closed = true;
    },
  };
}

/** The consume reply; numbers may arrive as strings (ioredis' stringNumbers option). */
function parseDecision(reply: unknown): RateLimitDecision {
  const r = reply as ArrayLike<number | string>;
  if (r.length !== 8) throw new TypeError(`expected 8 numbers, got ${String(reply)}`);
  return buildDecision(
    Number(r[0]) === 1,
    Number(r[1]),
    Number(r[2]),
    Number(r[3]),
    Number(r[4]),
    Number(r[5]),
    Number(r[6]),
    Number(r[7]),
  );
}

function ignore(): void {}

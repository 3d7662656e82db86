// Counting attempts (sign-ins) per key in a fixed window: in Redis when there is one, so every
// portal replica counts together; in memory otherwise. When Redis does not answer, sign-in is not
// locked out for everyone: the replica falls back to its own in-memory count and says so in the log.
import type { Redis } from "ioredis";

export interface AttemptLimiter {
  /** Counts one attempt; `allowed` is false once more than `limit` were made in the window. */
  hit(key: string, limit: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  reset(key: string): Promise<void>;
}

export function createMemoryAttemptLimiter(windowMs: number, now = () => Date.now()): AttemptLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    async hit(key, limit) {
      const at = now();
      let entry = windows.get(key);
      if (!entry || entry.resetAt <= at) {
        entry = { count: 0, resetAt: at + windowMs };
        windows.set(key, entry);
      }
      entry.count += 1;
      if (windows.size > 100_000) {
        for (const [k, v] of windows) if (v.resetAt <= at) windows.delete(k);
      }
      return { allowed: entry.count <= limit, retryAfterSeconds: Math.ceil((entry.resetAt - at) / 1000) };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}

const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

export function createRedisAttemptLimiter(
  redis: Redis,
  windowMs: number,
  log: { warn(fields: object, message: string): void },
): AttemptLimiter {
  const fallback = createMemoryAttemptLimiter(windowMs);
  const redisKey = (key: string) => `gw:portal:attempts:{${key}}`;
  return {
    async hit(key, limit) {
      try {
        const [count, ttl] = (await redis.eval(HIT, 1, redisKey(key), windowMs)) as [number, number];
        return { allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
      } catch (error) {
        log.warn({ err: error }, "attempt limiter: Redis unavailable, counting in this process");
        return fallback.hit(key, limit);
      }
    },
    async reset(key) {
      await fallback.reset(key);
      await redis.del(redisKey(key)).catch(() => {});
    },
  };
}

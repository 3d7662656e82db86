// Small pieces shared by the key cache and its invalidation: a Redis call with a deadline, a
// warning that is logged at most once per interval, and where a key's snapshot lives in Redis.
import { withDeadline } from "../deadline.ts";

/** Where the cache logs; pino / Fastify loggers (`app.log`) fit. */
export interface KeyCacheLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

/** Logs to stderr: what the cache uses when no logger is given. */
export const consoleKeyCacheLogger: KeyCacheLogger = {
  warn(details, message) {
    console.warn(message, details);
  },
};

/** Prefix of the Redis keys holding key snapshots. */
export const keySnapshotPrefix = "gw:apikey:";

/**
 * The Redis key of the snapshot of the API key with this hash. The hash is the hash tag (`{...}`),
 * so under Redis Cluster the snapshot of one key always lives in one slot.
 */
export function keySnapshotKey(hash: string, prefix: string = keySnapshotPrefix): string {
  return `${prefix}{${hash}}`;
}

/**
 * What an invalidation leaves in place of a snapshot, for as long as the cache's TTL: a cache fill
 * writes with NX, so a replica that read the database before the change cannot put the old state
 * back after the invalidation deleted it. Readers treat it as a miss.
 */
export const keySnapshotTombstone = "!invalidated";

export class RedisTimeoutError extends Error {
  override name = "RedisTimeoutError";
}

/**
 * The promise, or a RedisTimeoutError after `ms`. The late result of the original promise is
 * swallowed (no unhandled rejection); the command itself may still run on the server.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(promise, ms, () => new RedisTimeoutError(`${what} timed out after ${ms} ms`), {
    unref: true,
  });
}

/**
 * A warning logged at most once per `intervalMs`; the warnings held back in between are counted
 * and reported with the next one. Redis trouble hits every cache miss, so it must not flood logs.
 */
export function createThrottledWarn(
  logger: KeyCacheLogger,
  intervalMs: number,
  now: () => number,
): (message: string, error?: unknown) => void {
  let nextAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (message, error) => {
    const t = now();
    if (t < nextAt) {
      suppressed++;
      return;
    }
    nextAt = t + intervalMs;
    const details: Record<string, unknown> = { suppressed };
    if (error !== undefined) details.err = error;
    suppressed = 0;
    logger.warn(details, message);
  };
}

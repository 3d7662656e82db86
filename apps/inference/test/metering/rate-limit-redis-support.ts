// Test helpers for the Redis rate limiter: a key prefix per test, and cleanup of only those keys.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** A prefix no other test run uses (letters and digits only, so it is safe in a SCAN pattern). */
export function randomKeyPrefix(): string {
  return `rltest:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix` (and nothing else). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

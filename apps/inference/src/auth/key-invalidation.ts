// Telling every replica that an API key changed, so its cached copy goes within about a second.
//
// publish(hash), after the database change (see keyChanged in key-cache.ts):
//   1. drops the hash from this process's cache at once;
//   2. with Redis, in one MULTI: replaces the shared snapshot with a tombstone (a delete that also
//      stops a replica that read the database just before the change from writing the old state
//      back) and PUBLISHes the hash on the channel;
//   3. every replica's subscriber drops the hash from its cache; its next lookup reads the new row.
// If Redis cannot be told (down, timeout), publish rejects with KeyInvalidationError: the caller
// (revoke, update) must report the failure, never claim success.
//
// Without Redis (one process) publish only does step 1, which is then complete.
import type { Redis } from "ioredis";
import {
  consoleKeyCacheLogger,
  createThrottledWarn,
  type KeyCacheLogger,
  keySnapshotKey,
  keySnapshotPrefix,
  keySnapshotTombstone,
  withTimeout,
} from "./key-cache-support.ts";

export const defaultKeyInvalidationChannel = "gw:apikey:invalidate";

/** The replicas could not be told that a key changed; the database change itself is done. */
export class KeyInvalidationError extends Error {
  override name = "KeyInvalidationError";
}

/** What an invalidation acts on: a CachedKeyStore. */
export interface InvalidatableKeyCache {
  invalidate(hash: string): void;
  clear(): void;
}

export interface KeyInvalidationOptions {
  /** The publisher connection (may be the cache's own). Without it: in-process only. */
  redis?: Redis;
  /** A separate connection, put in subscribe mode by start(); it must not be used for anything else. */
  subscriber?: Redis;
  channel?: string;
  /** This replica's cache. */
  store: InvalidatableKeyCache;
  /** How long publish waits for Redis before rejecting. */
  timeoutMs?: number;
  /** How long the tombstone stays: at least the cache's ttlMs (default 30 s). */
  tombstoneTtlMs?: number;
  /** Must match the cache's redisKeyPrefix. */
  redisKeyPrefix?: string;
  logger?: KeyCacheLogger;
  now?: () => number;
}

export interface KeyInvalidation {
  /** Tells every replica the key with this hash changed; rejects with KeyInvalidationError when it cannot. */
  publish(hash: string): Promise<void>;
  /** Subscribes; resolves once the subscription is active (rejects with KeyInvalidationError on timeout, and keeps trying). */
  start(): Promise<void>;
  /** Unsubscribes and detaches; the connections belong to the caller and stay open. */
  close(): Promise<void>;
}

export function createKeyInvalidation(options: KeyInvalidationOptions): KeyInvalidation {
  const { redis, subscriber, store } = options;
  if (subscriber && !redis) {
    throw new TypeError("createKeyInvalidation: a subscriber needs a publisher connection (redis) too");
  }
  if (subscriber && subscriber === redis) {
    throw new TypeError("createKeyInvalidation: the subscriber must be a connection of its own");
  }
  const channel = options.channel ?? defaultKeyInvalidationChannel;
  const timeoutMs = options.timeoutMs ?? 1_000;
  const tombstoneTtlMs = options.tombstoneTtlMs ?? 30_000;
  const prefix = options.redisKeyPrefix ?? keySnapshotPrefix;
  const warn = createThrottledWarn(options.logger ?? consoleKeyCacheLogger, 30_000, options.now ?? Date.now);
  let started = false;
  let closed = false;

  function onMessage(from: string, hash: string): void {
    if (from === channel) store.invalidate(hash);
  }

  /**
   * Subscribes (again) and, once the subscription is active, clears the whole cache. After a
   * reconnect, ioredis re-subscribes by itself, but the messages published while the connection
   * was down are lost: any cached key may have changed meanwhile, so everything goes. Clearing
   * only after the SUBSCRIBE reply leaves no gap: every change published later reaches us, every
   * change published before is in the database the next lookup reads. (SUBSCRIBE to a channel
   * already subscribed is harmless.)
   */
  async function subscribeAndClear(): Promise<void> {
    await subscriber!.subscribe(channel);
    store.clear();
  }

  function onReady(): void {
    if (!started || closed) return;
    subscribeAndClear().catch((error: unknown) =>
      warn("API key invalidation: could not re-subscribe after a reconnect", error),
    );
  }

  function onError(error: unknown): void {
    warn("API key invalidation: subscriber connection error", error);
  }

  return {
    async publish(hash) {
      store.invalidate(hash);
      if (!redis) return;
      if (closed) throw new KeyInvalidationError("Key invalidation is closed; the replicas were not told.");
      let results: [error: Error | null, result: unknown][] | null;
      try {
        results = await withTimeout(
          redis
            .multi()
            .set(keySnapshotKey(hash, prefix), keySnapshotTombstone, "PX", tombstoneTtlMs)
            .publish(channel, hash)
            .exec(),
          timeoutMs,
          "Redis PUBLISH",
        );
      } catch (cause) {
        throw new KeyInvalidationError(
          `Could not tell the gateway replicas that the key changed: ${describe(cause)}`,
          { cause },
        );
      }
      const failed = results === null ? new Error("transaction aborted") : results.find(([e]) => e)?.[0];
      if (failed) {
        throw new KeyInvalidationError(
          `Could not tell the gateway replicas that the key changed: ${failed.message}`,
          { cause: failed },
        );
      }
    },

    async start() {
      if (!subscriber || started) return;
      started = true;
      subscriber.on("message", onMessage);
      subscriber.on("ready", onReady);
      subscriber.on("error", onError);
      try {
        await withTimeout(subscribeAndClear(), timeoutMs, "Redis SUBSCRIBE");
      } catch (cause) {
        // The SUBSCRIBE stays queued and onReady subscribes on every (re)connect: this replica
        // catches up by itself; meanwhile it relies on the TTL.
        throw new KeyInvalidationError(`Could not subscribe to ${channel}: ${describe(cause)}`, { cause });
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (!subscriber || !started) return;
      subscriber.off("message", onMessage);
      subscriber.off("ready", onReady);
      subscriber.off("error", onError);
      if (subscriber.status === "ready") {
        await withTimeout(subscriber.unsubscribe(channel), timeoutMs, "Redis UNSUBSCRIBE").catch(() => {});
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The key verification cache of the hot path, behind the KeyStore interface:
//
//   in-process LRU (with TTL)  ->  Redis snapshot (JSON, TTL)  ->  source (PostgreSQL)
//
// Freshness comes from invalidation (key-invalidation.ts: a Redis pub/sub message makes every
// replica drop the hash within about a second); the TTL is only a backstop for a missed message.
// Unknown hashes are cached too, briefly and in process only. Concurrent misses for one hash
// share one lookup. Redis trouble (error, timeout, not connected) falls through to the source and
// is logged at most once per interval; a source failure propagates (the route answers 503).
//
// How to change a key (revoke, suspend, edit limits): see keyChanged below. The database changes
// first, then the hash is published.
import type { Redis } from "ioredis";
import { ExpiringLru } from "./key-cache-lru.ts";
import {
  consoleKeyCacheLogger,
  createThrottledWarn,
  type KeyCacheLogger,
  keySnapshotKey,
  keySnapshotPrefix,
  keySnapshotTombstone,
  withTimeout,
} from "./key-cache-support.ts";
import type { KeyIdentity, KeyStore } from "./key-store.ts";

export type { KeyCacheLogger } from "./key-cache-support.ts";
export { keySnapshotKey, keySnapshotPrefix, keySnapshotTombstone } from "./key-cache-support.ts";

export interface CachedKeyStoreOptions {
  /** Where misses go: the PostgreSQL store (createDbKeyStore). */
  source: KeyStore;
  /** Shared snapshots across replicas; without it, the cache is in process only. */
  redis?: Redis;
  /** Lifetime of a found key, in process and in Redis. A backstop only: invalidation is what keeps it fresh. */
  ttlMs?: number;
  /** Lifetime of "no such key", in process only. */
  negativeTtlMs?: number;
  /** Bound of the in-process LRU. */
  maxEntries?: number;
  /** How long a lookup waits for Redis before asking the source. */
  redisTimeoutMs?: number;
  /** Prefix of the snapshot keys in Redis (tests use their own). */
  redisKeyPrefix?: string;
  /** Where Redis trouble is reported, at most once per logIntervalMs. */
  logger?: KeyCacheLogger;
  logIntervalMs?: number;
  /** The clock, in milliseconds (tests move it by hand). */
  now?: () => number;
}

export interface CachedKeyStore extends KeyStore {
  /** Drops this hash from the in-process cache (what an invalidation message does). */
  invalidate(hash: string): void;
  /** Drops everything from the in-process cache (after missed invalidation messages). */
  clear(): void;
  /** Entries in the in-process cache, expired ones included until they are evicted. */
  readonly size: number;
  /** Empties the cache; the Redis connection belongs to the caller and stays open. */
  close(): Promise<void>;
}

/** After a Redis failure, lookups skip Redis for this long, so an outage costs one timeout, not one per miss. */
const redisBackoffMs = 1_000;

/** A lookup under way; `stale` when an invalidation came meanwhile: its result is returned but not cached. */
interface Flight {
  promise: Promise<KeyIdentity | undefined>;
  stale: boolean;
}

type RedisRead =
  | { kind: "hit"; identity: KeyIdentity | undefined; loadedAt: number }
  /** Nothing there: the source's answer may be written back. */
  | { kind: "miss" }
  /** Unreachable, invalidated recently or unreadable: ask the source, write nothing back. */
  | { kind: "skip" };

const skip: RedisRead = { kind: "skip" };
const miss: RedisRead = { kind: "miss" };

export function createCachedKeyStore(options: CachedKeyStoreOptions): CachedKeyStore {
  const { source, redis } = options;
  const ttlMs = positive(options.ttlMs ?? 30_000, "ttlMs");
  const negativeTtlMs = positive(options.negativeTtlMs ?? 5_000, "negativeTtlMs");
  const redisTimeoutMs = positive(options.redisTimeoutMs ?? 50, "redisTimeoutMs");
  const prefix = options.redisKeyPrefix ?? keySnapshotPrefix;
  const now = options.now ?? Date.now;
  const warn = createThrottledWarn(
    options.logger ?? consoleKeyCacheLogger,
    options.logIntervalMs ?? 30_000,
    now,
  );
  // The values are already-resolved promises: a hit returns the same promise object to every caller,
  // with no allocation, no JSON and no await.
  const lru = new ExpiringLru<Promise<KeyIdentity | undefined>>(options.maxEntries ?? 100_000);
  const flights = new Map<string, Flight>();
  let redisSkipUntil = Number.NEGATIVE_INFINITY;
  let closed = false;

  function remember(hash: string, flight: Flight, identity: KeyIdentity | undefined, loadedAt: number): void {
    if (flight.stale || closed) return;
    const t = now();
    const ttl = identity ? ttlMs : negativeTtlMs;
    // A snapshot from Redis lives no longer than ttl after its database read, whoever cached it.
    const expiresAt = Math.min(t, loadedAt) + ttl;
    if (expiresAt <= t) return;
    lru.set(hash, Promise.resolve(identity), expiresAt);
  }

  function redisFailed(message: string, error?: unknown): void {
    redisSkipUntil = now() + redisBackoffMs;
    warn(message, error);
  }

  async function readRedis(client: Redis, hash: string): Promise<RedisRead> {
    if (client.status !== "ready") {
      warn(`API key cache: Redis is ${client.status}; reading keys from the database`);
      return skip;
    }
    if (now() < redisSkipUntil) return skip;
    let raw: string | null;
    try {
      raw = await withTimeout(client.get(keySnapshotKey(hash, prefix)), redisTimeoutMs, "Redis GET");
    } catch (error) {
      redisFailed("API key cache: Redis lookup failed; reading keys from the database", error);
      return skip;
    }
    if (raw === null) return miss;
    if (raw === keySnapshotTombstone) return skip;
    const snapshot = decodeKeySnapshot(raw);
    if (!snapshot) {
      warn("API key cache: unreadable key snapshot in Redis; reading the key from the database");
      return skip;
    }
    return { kind: "hit", identity: snapshot.identity, loadedAt: snapshot.loadedAt };
  }

  function writeRedis(client: Redis, hash: string, identity: KeyIdentity, loadedAt: number): void {
    if (client.status !== "ready" || now() < redisSkipUntil) return;
    // NX: never over an invalidation's tombstone (nor over a fresher snapshot).
    client
      .set(keySnapshotKey(hash, prefix), encodeKeySnapshot(identity, loadedAt), "PX", ttlMs, "NX")
      .catch((error: unknown) => redisFailed("API key cache: Redis write failed", error));
  }

  async function load(hash: string, flight: Flight): Promise<KeyIdentity | undefined> {
    let writeBack = false;
    if (redis) {
      const read = await readRedis(redis, hash);
      if (read.kind === "hit") {
        const identity = read.identity && frozen(read.identity);
        remember(hash, flight, identity, read.loadedAt);
        return identity;
      }
      writeBack = read.kind === "miss";
    }
    const loadedAt = now();
    const found = await source.findByHash(hash);
    const identity = found && frozen(found);
    if (!flight.stale && !closed) {
      remember(hash, flight, identity, loadedAt);
      if (redis && writeBack && identity) writeRedis(redis, hash, identity, loadedAt);
    }
    return identity;
  }

  function startFlight(hash: string): Promise<KeyIdentity | undefined> {
    const flight: Flight = {
      promise: undefined as unknown as Promise<KeyIdentity | undefined>,
      stale: false,
    };
    flight.promise = load(hash, flight).finally(() => {
      if (flights.get(hash) === flight) flights.delete(hash);
    });
    flights.set(hash, flight);
    return flight.promise;
  }

  function clear(): void {
    lru.clear();
    for (const flight of flights.values()) flight.stale = true;
    flights.clear();
  }

  return {
    findByHash(hash) {
      const cached = lru.get(hash, now());
      if (cached !== undefined) return cached;
      const flight = flights.get(hash);
      if (flight !== undefined) return flight.promise;
      return startFlight(hash);
    },
    invalidate(hash) {
      lru.delete(hash);
      const flight = flights.get(hash);
      if (flight !== undefined) {
        flight.stale = true;
        flights.delete(hash);
      }
    },
    clear,
    get size() {
      return lru.size;
    },
    async close() {
      closed = true;
      clear();
    },
  };
}

/** Anything that tells every replica a key changed: a KeyInvalidation (key-invalidation.ts). */
export interface KeyChangePublisher {
  publish(hash: string): Promise<void>;
}

/**
 * The one correct order for changing a key (revoke, expire, edit limits or models, suspend its
 * organization): `update` writes the database FIRST; only then is the hash published, so a replica
 * that reloads on the message reads the new state. Publishing first would let a replica reload the
 * old row and cache it for the whole TTL.
 *
 * When the publish fails the database change stays and the KeyInvalidationError propagates: the
 * caller must report the failure (replicas may keep the old state until the TTL ends) and may
 * retry the publish; it must never report success.
 *
 *   await keyChanged(key.keyHash, { notifier: invalidation, update: () => prisma.apiKey.update(...) });
 */
export async function keyChanged<T>(
  hash: string,
  options: { update: () => Promise<T>; notifier: KeyChangePublisher },
): Promise<T> {
  const result = await options.update();
  await options.notifier.publish(hash);
  return result;
}

// ---- Redis snapshot format ----------------------------------------------------------------------
// Explicit and versioned: Dates as epoch milliseconds, bigint as a decimal string; anything that does
// not decode exactly is treated as a miss (so a format change across a deploy only costs lookups).

interface KeySnapshotV1 {
  v: 1;
  /** When the database was read (ms), bounding the snapshot's age in every replica. */
  at: number;
  keyId: string;
  orgId: string;
  projectId: string;
  prefix: string;
  status: KeyIdentity["status"];
  orgStatus: KeyIdentity["orgStatus"];
  isTest: boolean;
  allowedModels: string[];
  expiresAt: number | null;
  trialEndAt: number | null;
  revokeAt: number | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  spendLimitMicros: string | null;
}

export function encodeKeySnapshot(identity: KeyIdentity, loadedAt: number): string {
  const snapshot: KeySnapshotV1 = {
    v: 1,
    at: loadedAt,
    keyId: identity.keyId,
    orgId: identity.orgId,
    projectId: identity.projectId,
    prefix: identity.prefix,
    status: identity.status,
    orgStatus: identity.orgStatus,
    isTest: identity.isTest,
    allowedModels: [...identity.allowedModels],
    expiresAt: identity.expiresAt === null ? null : identity.expiresAt.getTime(),
    trialEndAt: identity.trialEndAt === null ? null : identity.trialEndAt.getTime(),
    revokeAt: identity.revokeAt === null ? null : identity.revokeAt.getTime(),
    rpmLimit: identity.rpmLimit,
    tpmLimit: identity.tpmLimit,
    spendLimitMicros: identity.spendLimitMicros === null ? null : identity.spendLimitMicros.toString(),
  };
  return JSON.stringify(snapshot);
}

/** The identity in a snapshot, or undefined when it is not exactly a version-1 snapshot. */
export function decodeKeySnapshot(raw: string): { identity: KeyIdentity; loadedAt: number } | undefined {
  let s: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    s = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (s.v !== 1 || !isFiniteNumber(s.at)) return undefined;
  const { keyId, orgId, projectId, prefix, status, orgStatus, isTest, allowedModels } = s;
  if (typeof keyId !== "string" || typeof orgId !== "string" || typeof projectId !== "string")
    return undefined;
  if (typeof prefix !== "string" || typeof isTest !== "boolean") return undefined;
  if (status !== "active" && status !== "revoked" && status !== "expired") return undefined;
  if (orgStatus !== "active" && orgStatus !== "suspended") return undefined;
  if (!Array.isArray(allowedModels) || !allowedModels.every((m) => typeof m === "string")) return undefined;
  const expiresAt = dateOrNull(s.expiresAt);
  const trialEndAt = dateOrNull(s.trialEndAt);
  const revokeAt = dateOrNull(s.revokeAt);
  const rpmLimit = numberOrNull(s.rpmLimit);
  const tpmLimit = numberOrNull(s.tpmLimit);
  const spendLimitMicros = bigintOrNull(s.spendLimitMicros);
  if (expiresAt === false || trialEndAt === false || revokeAt === false) return undefined;
  if (rpmLimit === false || tpmLimit === false || spendLimitMicros === false) return undefined;
  return {
    loadedAt: s.at,
    identity: {
      keyId,
      orgId,
      projectId,
      prefix,
      status,
      orgStatus,
      isTest,
      allowedModels: allowedModels as string[],
      expiresAt,
      trialEndAt,
      revokeAt,
      rpmLimit,
      tpmLimit,
      spendLimitMicros,
    },
  };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** false: not valid. */
function dateOrNull(value: unknown): Date | null | false {
  if (value === null) return null;
  return isFiniteNumber(value) ? new Date(value) : false;
}

function numberOrNull(value: unknown): number | null | false {
  if (value === null) return null;
  return isFiniteNumber(value) ? value : false;
}

function bigintOrNull(value: unknown): bigint | null | false {
  if (value === null) return null;
  return typeof value === "string" && /^-?\d{1,40}$/.test(value) ? BigInt(value) : false;
}

/** One identity object is shared by every caller that hits the cache: nobody may change it. */
function frozen(identity: KeyIdentity): KeyIdentity {
  return Object.freeze({ ...identity, allowedModels: Object.freeze([...identity.allowedModels]) });
}

function positive(value: number, name: string): number {
  if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`${name} must be > 0, got ${value}`);
  return value;
}

// The Redis layer of the key cache: snapshots shared across replicas, and lookups that keep
// working from the database when Redis is down or hangs. Real Redis (TEST_REDIS_URL) and a real
// database; skipped without TEST_REDIS_URL.
import { createApiKey, createOrganization, type Database, hashApiKey } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCachedKeyStore,
  type KeyCacheLogger,
  keySnapshotKey,
  keySnapshotTombstone,
} from "../../src/auth/key-cache.ts";
import { createDbKeyStore } from "../../src/auth/key-store.ts";
import {
  connectRedis,
  countingStore,
  deadRedis,
  startRedisProxy,
  testRedisUrl,
  uniqueName,
  waitFor,
} from "./key-cache-support.ts";

function collectingLogger(): KeyCacheLogger & {
  warnings: { details: Record<string, unknown>; message: string }[];
} {
  const warnings: { details: Record<string, unknown>; message: string }[] = [];
  return {
    warnings,
    warn(details, message) {
      warnings.push({ details, message });
    },
  };
}

describe.skipIf(!testRedisUrl)("cached key store with Redis", () => {
  const url = testRedisUrl!;
  const prefix = uniqueName("apikey");
  let db: Database;
  let orgId: string;
  let projectId: string;
  let redis: Redis;

  beforeAll(async () => {
    db = await createTestDatabase();
    const { org, project } = await createOrganization(db.prisma, { slug: "key-cache-redis" });
    orgId = org.id;
    projectId = project.id;
    redis = await connectRedis(url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await db?.close();
  });

  async function newKey(options: Partial<Parameters<typeof createApiKey>[1]> = {}) {
    const { record } = await createApiKey(db.prisma, { orgId, projectId, name: "redis", ...options });
    return { hash: record.keyHash, id: record.id };
  }

  it("shares snapshots: a second replica answers from Redis without the database, types intact", async () => {
    const { hash } = await newKey({
      spendLimitMicros: 9_007_199_254_740_993n,
      expiresAt: new Date("2031-02-03T04:05:06.789Z"),
      allowedModels: ["gpt-4o"],
      tpmLimit: 100_000,
    });
    const sourceA = countingStore(createDbKeyStore(db));
    const sourceB = countingStore(createDbKeyStore(db));
    const a = createCachedKeyStore({ source: sourceA, redis, redisKeyPrefix: prefix, ttlMs: 10_000 });
    const b = createCachedKeyStore({ source: sourceB, redis, redisKeyPrefix: prefix });

    const fromDb = await a.findByHash(hash);
    await waitFor(async () => (await redis.exists(keySnapshotKey(hash, prefix))) === 1);
    const ttl = await redis.pttl(keySnapshotKey(hash, prefix));
    expect(ttl).toBeGreaterThan(8_000);
    expect(ttl).toBeLessThanOrEqual(10_000);

    const fromRedis = await b.findByHash(hash);
    expect(sourceB.calls).toBe(0);
    expect(fromRedis).toEqual(fromDb);
    expect(fromRedis?.spendLimitMicros).toBe(9_007_199_254_740_993n);
    expect(fromRedis?.expiresAt).toEqual(new Date("2031-02-03T04:05:06.789Z"));
    // From then on b answers from its own memory.
    expect(await b.findByHash(hash)).toBe(await b.findByHash(hash));
  });

  it("does not store unknown hashes in Redis (negative entries stay in process)", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source, redis, redisKeyPrefix: prefix });
    const hash = hashApiKey(`sk-nobody-${Math.random()}`);
    expect(await store.findByHash(hash)).toBeUndefined();
    expect(await store.findByHash(hash)).toBeUndefined();
    expect(source.calls).toBe(1);
    expect(await redis.exists(keySnapshotKey(hash, prefix))).toBe(0);
  });

  it("treats a tombstone or an unreadable snapshot as a miss and does not overwrite it", async () => {
    const { hash } = await newKey();
    await redis.set(keySnapshotKey(hash, prefix), keySnapshotTombstone, "PX", 5_000);
    const source = countingStore(createDbKeyStore(db));
    const logger = collectingLogger();
    const store = createCachedKeyStore({ source, redis, redisKeyPrefix: prefix, logger });
    expect((await store.findByHash(hash))?.status).toBe("active");
    expect(source.calls).toBe(1);
    expect(await redis.get(keySnapshotKey(hash, prefix))).toBe(keySnapshotTombstone);

    const other = await newKey();
    await redis.set(keySnapshotKey(other.hash, prefix), '{"v":99}', "PX", 5_000);
    expect((await store.findByHash(other.hash))?.status).toBe("active");
    expect(source.calls).toBe(2);
    expect(logger.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/unreadable key snapshot/)]);
  });

  it("answers from the database when Redis is down, quickly, logging once per interval", async () => {
    let clock = 1_000_000;
    const down = await deadRedis();
    const logger = collectingLogger();
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({
      source,
      redis: down,
      redisKeyPrefix: prefix,
      logger,
      logIntervalMs: 30_000,
      now: () => clock,
    });
    try {
      const keys = await Promise.all(Array.from({ length: 10 }, () => newKey()));
      const start = performance.now();
      for (const k of keys) expect((await store.findByHash(k.hash))?.keyId).toBe(k.id);
      const elapsed = performance.now() - start;
      expect(source.calls).toBe(10);
      expect(elapsed).toBeLessThan(1_000); // no Redis wait at all: the client is not connected
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]?.message).toMatch(/Redis is (connecting|reconnecting)/);

      clock += 30_000;
      await store.findByHash(hashApiKey(`sk-nobody-${Math.random()}`));
      expect(logger.warnings).toHaveLength(2);
      expect(logger.warnings[1]?.details.suppressed).toBe(9);
    } finally {
      down.disconnect();
    }
  });

  it("gives up on a hung Redis after redisTimeoutMs, then skips it briefly, then uses it again", async () => {
    const proxy = await startRedisProxy(url);
    const client = await connectRedis(proxy.url);
    const logger = collectingLogger();
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({
      source,
      redis: client,
      redisKeyPrefix: prefix,
      redisTimeoutMs: 200,
      logger,
    });
    try {
      const [k1, k2, k3] = await Promise.all([newKey(), newKey(), newKey()]);
      proxy.freeze();

      let start = performance.now();
      expect((await store.findByHash(k1!.hash))?.keyId).toBe(k1!.id);
      const firstMs = performance.now() - start;
      expect(firstMs).toBeGreaterThanOrEqual(195);
      expect(firstMs).toBeLessThan(1_000);
      expect(logger.warnings[0]?.message).toMatch(/Redis lookup failed/);
      expect(String(logger.warnings[0]?.details.err)).toMatch(/timed out after 200 ms/);

      // Within the back-off the next miss does not wait for Redis at all.
      start = performance.now();
      expect((await store.findByHash(k2!.hash))?.keyId).toBe(k2!.id);
      expect(performance.now() - start).toBeLessThan(150);

      proxy.thaw();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await store.findByHash(k3!.hash);
      await waitFor(async () => (await redis.exists(keySnapshotKey(k3!.hash, prefix))) === 1);
      expect(source.calls).toBe(3);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });
});

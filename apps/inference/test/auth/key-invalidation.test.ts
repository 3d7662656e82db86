// Invalidation across replicas: two cached stores with their own publisher and subscriber
// connections on one real Redis (TEST_REDIS_URL) and one real database. Skipped without Redis.
import { createApiKey, createOrganization, type Database } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { authenticate } from "../../src/auth/authenticate.ts";
import {
  type CachedKeyStore,
  createCachedKeyStore,
  keyChanged,
  keySnapshotKey,
  keySnapshotTombstone,
} from "../../src/auth/key-cache.ts";
import {
  createKeyInvalidation,
  type KeyInvalidation,
  KeyInvalidationError,
} from "../../src/auth/key-invalidation.ts";
import { createDbKeyStore } from "../../src/auth/key-store.ts";
import {
  type CountingKeyStore,
  connectRedis,
  countingStore,
  deadRedis,
  gate,
  killClientNamed,
  quietLogger,
  testRedisUrl,
  uniqueName,
  waitFor,
} from "./key-cache-support.ts";

describe("key invalidation without Redis", () => {
  it("refuses a subscriber without a publisher, or sharing the publisher's connection", async () => {
    const store = { invalidate() {}, clear() {} };
    const client = await deadRedis({ lazyConnect: true });
    expect(() => createKeyInvalidation({ store, subscriber: client })).toThrow(TypeError);
    expect(() => createKeyInvalidation({ store, redis: client, subscriber: client })).toThrow(TypeError);
    client.disconnect();
  });
});

describe.skipIf(!testRedisUrl)("key invalidation across replicas (Redis pub/sub)", () => {
  const url = testRedisUrl!;
  const prefix = uniqueName("apikey");
  const channel = uniqueName("invalidate");
  let db: Database;
  let orgId: string;
  let projectId: string;
  let admin: Redis;
  const cleanups: (() => Promise<void>)[] = [];

  interface Replica {
    source: CountingKeyStore;
    store: CachedKeyStore;
    invalidation: KeyInvalidation;
    redis: Redis;
    subscriber: Redis;
    subscriberName: string;
  }

  async function replica(name: string, retryMs = 50): Promise<Replica> {
    const source = countingStore(createDbKeyStore(db));
    const redis = await connectRedis(url);
    const subscriberName = `${uniqueName(name).replaceAll(":", "-")}sub`;
    const subscriber = await connectRedis(url, {
      connectionName: subscriberName,
      retryStrategy: () => retryMs,
    });
    const store = createCachedKeyStore({ source, redis, redisKeyPrefix: prefix });
    const invalidation = createKeyInvalidation({ redis, subscriber, store, channel, redisKeyPrefix: prefix });
    await invalidation.start();
    cleanups.push(async () => {
      await invalidation.close();
      await store.close();
      redis.disconnect();
      subscriber.disconnect();
    });
    return { source, store, invalidation, redis, subscriber, subscriberName };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const { org, project } = await createOrganization(db.prisma, { slug: "key-invalidation" });
    orgId = org.id;
    projectId = project.id;
    admin = await connectRedis(url);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  afterAll(async () => {
    admin?.disconnect();
    await db?.close();
  });

  async function newKey() {
    const { key, record } = await createApiKey(db.prisma, { orgId, projectId, name: "replicas" });
    return { key, hash: record.keyHash, id: record.id };
  }

  function revoke(id: string) {
    return db.prisma.apiKey.update({ where: { id }, data: { status: "revoked", revokedAt: new Date() } });
  }

  it("a revocation on replica A reaches replica B within 1 s", async () => {
    const a = await replica("a");
    const b = await replica("b");
    const timings: { publishMs: number; visibleMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const { key, hash, id } = await newKey();
      expect((await a.store.findByHash(hash))?.status).toBe("active");
      expect((await b.store.findByHash(hash))?.status).toBe("active");
      expect((await b.store.findByHash(hash))?.status).toBe("active"); // now from B's memory
      const callsBefore = b.source.calls;

      const start = performance.now();
      await keyChanged(hash, { notifier: a.invalidation, update: () => revoke(id) });
      const publishMs = performance.now() - start;
      await waitFor(async () => (await b.store.findByHash(hash))?.status === "revoked", 1_000, 1);
      const visibleMs = performance.now() - start;
      timings.push({ publishMs, visibleMs });

      expect(visibleMs).toBeLessThan(1_000);
      expect(b.source.calls).toBe(callsBefore + 1); // B reloaded from the database, once
      expect((await a.store.findByHash(hash))?.status).toBe("revoked");
      await expect(authenticate(b.store, { authorization: `Bearer ${key}` })).rejects.toThrow(/revoked/);
      // The shared snapshot is gone (tombstoned): a third replica reads the database too.
      expect(await admin.get(keySnapshotKey(hash, prefix))).toBe(keySnapshotTombstone);
    }
    console.info(
      `cross-replica revocation (DB update + publish -> B sees revoked), ms: ${timings
        .map((t) => `${t.visibleMs.toFixed(1)} (update+publish ${t.publishMs.toFixed(1)})`)
        .join(", ")}`,
    );
  });

  it("a publish that cannot reach Redis rejects with KeyInvalidationError; the caller sees it", async () => {
    const source = countingStore(createDbKeyStore(db));
    const down = await deadRedis();
    const store = createCachedKeyStore({ source, redis: down, redisKeyPrefix: prefix, logger: quietLogger });
    const invalidation = createKeyInvalidation({
      redis: down,
      store,
      channel,
      timeoutMs: 300,
      logger: quietLogger,
    });
    const { hash, id } = await newKey();
    expect((await store.findByHash(hash))?.status).toBe("active");

    const start = performance.now();
    const failure = await keyChanged(hash, { notifier: invalidation, update: () => revoke(id) }).catch(
      (e) => e,
    );
    const elapsed = performance.now() - start;
    expect(failure).toBeInstanceOf(KeyInvalidationError);
    expect(String(failure.message)).toMatch(/Could not tell the gateway replicas/);
    expect(elapsed).toBeLessThan(1_500); // never hangs
    // The database change stays (it came first) and this replica dropped its copy anyway.
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).status).toBe("revoked");
    expect((await store.findByHash(hash))?.status).toBe("revoked");
    down.disconnect();

    // A publisher connection that was closed fails at once, the same way.
    const closed = await connectRedis(url);
    closed.disconnect();
    const other = createKeyInvalidation({ redis: closed, store, channel });
    await expect(other.publish(hash)).rejects.toBeInstanceOf(KeyInvalidationError);
  });

  it("start() on an unreachable subscriber rejects after timeoutMs instead of hanging", async () => {
    const store = { invalidate() {}, clear() {} };
    const pub = await deadRedis();
    const sub = await deadRedis();
    const invalidation = createKeyInvalidation({
      redis: pub,
      subscriber: sub,
      store,
      channel,
      timeoutMs: 200,
      logger: quietLogger,
    });
    await expect(invalidation.start()).rejects.toBeInstanceOf(KeyInvalidationError);
    await invalidation.close();
    pub.disconnect();
    sub.disconnect();
  });

  it("a subscriber reconnect clears the cache, so messages missed while down cannot leave stale keys", async () => {
    const a = await replica("a");
    const b = await replica("b", 300); // reconnects 300 ms after losing the connection
    const { hash, id } = await newKey();
    const kept = await newKey();
    await b.store.findByHash(hash);
    await b.store.findByHash(kept.hash);
    expect(b.store.size).toBe(2);

    const lost = gate();
    b.subscriber.once("close", () => lost.open());
    await killClientNamed(admin, b.subscriberName);
    await lost.promise;
    // Published while B's subscriber is down: B misses the message.
    await keyChanged(hash, { notifier: a.invalidation, update: () => revoke(id) });
    expect((await b.store.findByHash(hash))?.status).toBe("active"); // stale, for now

    const cleared = await waitFor(() => b.store.size === 0, 2_000, 1);
    expect(cleared).toBeLessThan(1_000);
    expect((await b.store.findByHash(hash))?.status).toBe("revoked");

    // And B is subscribed again: the next change reaches it by message.
    await b.store.findByHash(kept.hash);
    await keyChanged(kept.hash, { notifier: a.invalidation, update: () => revoke(kept.id) });
    await waitFor(async () => (await b.store.findByHash(kept.hash))?.status === "revoked", 1_000, 1);
  });

  it("a replica that read the database just before a change cannot put the old state back in Redis", async () => {
    const a = await replica("a");
    // B has no subscriber: only the tombstone (SET NX on fill) protects the shared snapshot.
    const sourceB = countingStore(createDbKeyStore(db));
    const redisB = await connectRedis(url);
    const b = createCachedKeyStore({ source: sourceB, redis: redisB, redisKeyPrefix: prefix });
    cleanups.push(async () => redisB.disconnect());
    const { hash, id } = await newKey();

    const read = gate();
    const held = gate();
    sourceB.afterRead = async () => {
      sourceB.afterRead = undefined; // only the first lookup waits
      read.open();
      await held.promise;
    };
    const stale = b.findByHash(hash); // Redis miss, database says "active", then waits
    await read.promise;
    await keyChanged(hash, { notifier: a.invalidation, update: () => revoke(id) });
    held.open();
    expect((await stale)?.status).toBe("active");
    await new Promise((resolve) => setTimeout(resolve, 50)); // B's fire-and-forget write has run

    expect(await admin.get(keySnapshotKey(hash, prefix))).toBe(keySnapshotTombstone);
    const c = createCachedKeyStore({ source: createDbKeyStore(db), redis: admin, redisKeyPrefix: prefix });
    expect((await c.findByHash(hash))?.status).toBe("revoked");
  });

  it("with the subscriber, a lookup overtaken by the message is not cached either", async () => {
    const a = await replica("a");
    const b = await replica("b");
    const { hash, id } = await newKey();
    const read = gate();
    const held = gate();
    b.source.afterRead = async () => {
      b.source.afterRead = undefined; // only the first lookup waits
      read.open();
      await held.promise;
    };
    const stale = b.store.findByHash(hash);
    await read.promise;
    const received = gate();
    b.subscriber.once("message", () => received.open());
    await keyChanged(hash, { notifier: a.invalidation, update: () => revoke(id) });
    await received.promise;
    held.open();
    expect((await stale)?.status).toBe("active");
    expect((await b.store.findByHash(hash))?.status).toBe("revoked");
    expect(b.source.calls).toBe(2);
  });
});

// The in-process layer of the key cache, against a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL) and keys minted by @gw/db; the source is the real store, wrapped to count.
import { createApiKey, createOrganization, type Database, hashApiKey } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCachedKeyStore,
  decodeKeySnapshot,
  encodeKeySnapshot,
  keyChanged,
} from "../../src/auth/key-cache.ts";
import { createKeyInvalidation } from "../../src/auth/key-invalidation.ts";
import { createDbKeyStore } from "../../src/auth/key-store.ts";
import { countingStore, gate } from "./key-cache-support.ts";

let db: Database;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const { org, project } = await createOrganization(db.prisma, { slug: "key-cache" });
  orgId = org.id;
  projectId = project.id;
});

afterAll(async () => {
  await db?.close();
});

async function newKey(options: Partial<Parameters<typeof createApiKey>[1]> = {}) {
  const { key, record } = await createApiKey(db.prisma, { orgId, projectId, name: "cache", ...options });
  return { key, hash: record.keyHash, id: record.id };
}

function unknownHash(): string {
  return hashApiKey(`sk-unknown-${Math.random()}`);
}

describe("cached key store (in process)", () => {
  it("answers hits from memory: the database is read once, and the same resolved promise comes back", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source });
    const { hash, id } = await newKey({ spendLimitMicros: 5_000_000n, allowedModels: ["gpt-4o"] });

    const first = await store.findByHash(hash);
    expect(first).toEqual(await createDbKeyStore(db).findByHash(hash));
    expect(first?.keyId).toBe(id);
    for (let i = 0; i < 100; i++) expect(await store.findByHash(hash)).toBe(first);
    expect(source.calls).toBe(1);
    // No allocation on a hit: the cached promise itself is returned.
    expect(store.findByHash(hash)).toBe(store.findByHash(hash));
    // The shared identity cannot be changed by a caller.
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.allowedModels)).toBe(true);
  });

  it("caches unknown hashes for negativeTtlMs only", async () => {
    let clock = 1_000_000;
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source, negativeTtlMs: 5_000, now: () => clock });
    const hash = unknownHash();

    expect(await store.findByHash(hash)).toBeUndefined();
    expect(await store.findByHash(hash)).toBeUndefined();
    expect(source.calls).toBe(1);
    clock += 4_999;
    expect(await store.findByHash(hash)).toBeUndefined();
    expect(source.calls).toBe(1);
    clock += 1;
    expect(await store.findByHash(hash)).toBeUndefined();
    expect(source.calls).toBe(2);
  });

  it("reloads a found key after ttlMs (the backstop when an invalidation is missed)", async () => {
    let clock = 1_000_000;
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source, ttlMs: 30_000, now: () => clock });
    const { hash, id } = await newKey();

    expect((await store.findByHash(hash))?.status).toBe("active");
    // Changed without telling the cache: still the old state until the TTL ends.
    await db.prisma.apiKey.update({ where: { id }, data: { status: "revoked" } });
    clock += 29_999;
    expect((await store.findByHash(hash))?.status).toBe("active");
    expect(source.calls).toBe(1);
    clock += 1;
    expect((await store.findByHash(hash))?.status).toBe("revoked");
    expect(source.calls).toBe(2);
  });

  it("keeps at most maxEntries, evicting the least recently used", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source, maxEntries: 3 });
    const [a, b, c, d] = await Promise.all([newKey(), newKey(), newKey(), newKey()]);
    for (const k of [a!, b!, c!]) await store.findByHash(k.hash);
    await store.findByHash(a!.hash); // a is now the most recently used; b the least
    expect(source.calls).toBe(3);
    await store.findByHash(d!.hash); // evicts b
    expect(store.size).toBe(3);
    expect(source.calls).toBe(4);
    await store.findByHash(a!.hash);
    await store.findByHash(c!.hash);
    await store.findByHash(d!.hash);
    expect(source.calls).toBe(4);
    await store.findByHash(b!.hash);
    expect(source.calls).toBe(5);
    // Unknown hashes take room too: a flood of random keys cannot grow the cache.
    for (let i = 0; i < 20; i++) await store.findByHash(unknownHash());
    expect(store.size).toBe(3);
  });

  it("shares one source lookup among 50 concurrent misses (single flight)", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source });
    const { hash, id } = await newKey();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.findByHash(hash)));
    expect(source.calls).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.keyId).toBe(id);

    const unknown = unknownHash();
    const misses = await Promise.all(Array.from({ length: 50 }, () => store.findByHash(unknown)));
    expect(source.calls).toBe(2);
    expect(misses.every((m) => m === undefined)).toBe(true);
  });

  it("propagates a source failure to every waiter and caches nothing", async () => {
    const broken = await createTestDatabase();
    await broken.close();
    const source = countingStore(createDbKeyStore(broken));
    const store = createCachedKeyStore({ source });
    const hash = unknownHash();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.findByHash(hash)));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(source.calls).toBe(1);
    await expect(store.findByHash(hash)).rejects.toThrow();
    expect(source.calls).toBe(2);
    expect(store.size).toBe(0);
  });

  it("does not cache a lookup that an invalidation overtook", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source });
    const { hash, id } = await newKey();
    const read = gate();
    const held = gate();
    source.afterRead = async () => {
      source.afterRead = undefined; // only the first lookup waits
      read.open();
      await held.promise;
    };
    const before = store.findByHash(hash); // reads "active", then waits
    await read.promise;
    await db.prisma.apiKey.update({ where: { id }, data: { status: "revoked" } });
    store.invalidate(hash);
    const after = await store.findByHash(hash); // a new lookup, not the overtaken one
    expect(after?.status).toBe("revoked");
    held.open();
    expect((await before)?.status).toBe("active");
    expect((await store.findByHash(hash))?.status).toBe("revoked");
    expect(source.calls).toBe(2);
  });

  it("invalidates in process when there is no Redis (one replica), database first", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source });
    const invalidation = createKeyInvalidation({ store });
    await invalidation.start();
    const { hash, id } = await newKey();
    expect((await store.findByHash(hash))?.status).toBe("active");

    const updated = await keyChanged(hash, {
      notifier: invalidation,
      update: () => db.prisma.apiKey.update({ where: { id }, data: { status: "revoked" } }),
    });
    expect(updated.status).toBe("revoked");
    expect((await store.findByHash(hash))?.status).toBe("revoked");
    expect(source.calls).toBe(2);
    await invalidation.close();
    await store.close();
  });

  it("clear() empties the cache; close() too", async () => {
    const source = countingStore(createDbKeyStore(db));
    const store = createCachedKeyStore({ source });
    const { hash } = await newKey();
    await store.findByHash(hash);
    store.clear();
    expect(store.size).toBe(0);
    await store.findByHash(hash);
    expect(source.calls).toBe(2);
    await store.close();
    expect(store.size).toBe(0);
  });
});

describe("key snapshot format", () => {
  it("round-trips bigint, dates, nulls and models exactly", async () => {
    const { hash } = await newKey({
      spendLimitMicros: 9_007_199_254_740_993n, // above 2^53: must not pass through a double
      expiresAt: new Date("2031-02-03T04:05:06.789Z"),
      allowedModels: ["gpt-4o", "claude-3-5-sonnet-20241022"],
      rpmLimit: 60,
    });
    const identity = (await createDbKeyStore(db).findByHash(hash))!;
    const decoded = decodeKeySnapshot(encodeKeySnapshot(identity, 1234));
    expect(decoded).toEqual({ identity, loadedAt: 1234 });
    expect(decoded?.identity.spendLimitMicros).toBe(9_007_199_254_740_993n);
    expect(decoded?.identity.expiresAt).toBeInstanceOf(Date);
  });

  it("rejects anything that is not exactly a version-1 snapshot", async () => {
    const { hash } = await newKey();
    const good = JSON.parse(encodeKeySnapshot((await createDbKeyStore(db).findByHash(hash))!, 1));
    for (const bad of [
      "",
      "null",
      "[]",
      "!invalidated",
      JSON.stringify({ ...good, v: 2 }),
      JSON.stringify({ ...good, status: "paused" }),
      JSON.stringify({ ...good, spendLimitMicros: 1.5 }),
      JSON.stringify({ ...good, expiresAt: "2030-01-01" }),
      JSON.stringify({ ...good, allowedModels: [1] }),
      JSON.stringify({ ...good, keyId: undefined }),
    ]) {
      expect(decodeKeySnapshot(bad)).toBeUndefined();
    }
  });
});

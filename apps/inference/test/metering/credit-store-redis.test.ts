// Redis-only behaviour of the credit store: failure modes, replicas sharing Redis, key layout and
// round trips. The shared behaviour is in credit-store-suite.ts.
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CreditStoreUnavailableError } from "../../src/metering/credits/credit-store.ts";
import { createRedisCreditStore } from "../../src/metering/credits/credit-store-redis.ts";
import { MAX_CREDIT_MICROS } from "../../src/metering/credits/credit-store-shared.ts";
import { blockEventLoop } from "../support/busy-loop.ts";
import { deleteKeys, FakeDb, orgAvailable, randomKeyPrefix, USD, uniqueId } from "./credit-store-support.ts";

const redisUrl = process.env.TEST_REDIS_URL;

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function unavailable(work: Promise<unknown>): Promise<CreditStoreUnavailableError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CreditStoreUnavailableError);
  return error as CreditStoreUnavailableError;
}

const reserveInput = (orgId: string, requestId = uniqueId("req")) => ({
  requestId,
  orgId,
  keyId: "key_1",
  amountMicros: USD,
  keySpendLimitMicros: null,
  ttlMs: 60_000,
});

describe("redis credit store when Redis is not there", () => {
  it("rejects at once when nothing listens, and keeps rejecting while it reconnects", async () => {
    const probe = createServer();
    const port = await listen(probe);
    probe.close();
    await once(probe, "close");
    const redis = new Redis({ host: "127.0.0.1", port });
    redis.on("error", () => {});
    const db = new FakeDb();
    try {
      const store = createRedisCreditStore(redis, db.loader);
      const started = performance.now();
      expect((await unavailable(store.reserve(reserveInput("org")))).reason).toBe("not-ready");
      expect(performance.now() - started).toBeLessThan(50);
      await new Promise((resolve) => setTimeout(resolve, 100)); // reconnecting by now
      expect((await unavailable(store.reserve(reserveInput("org")))).reason).toBe("not-ready");
      expect((await unavailable(store.invalidateOrg("org"))).reason).toBe("not-ready");
      expect(db.loads).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it("rejects within the timeout when Redis accepts the connection but never answers", async () => {
    const sockets = new Set<Socket>();
    const received: Buffer[] = [];
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", (chunk) => received.push(chunk));
    });
    const port = await listen(silent);
    const redis = new Redis({
      host: "127.0.0.1",
      port,
      protocol: 2,
      enableReadyCheck: false,
      disableClientInfo: true,
    });
    redis.on("error", () => {});
    try {
      await once(redis, "ready");
      const store = createRedisCreditStore(redis, new FakeDb().loader, { commandTimeoutMs: 50 });
      const started = performance.now();
      const errors = await Promise.all([
        unavailable(store.reserve(reserveInput("org"))),
        unavailable(
          store.acknowledgeWritten([{ requestId: "r", orgId: "org", keyId: "k", costMicros: USD }]),
        ),
        unavailable(store.invalidateOrg("org")),
        unavailable(store.reservedMicros("org")),
      ]);
      const elapsed = performance.now() - started;
      expect(errors.map((e) => e.reason)).toEqual(["timeout", "timeout", "timeout", "timeout"]);
      expect(elapsed).toBeGreaterThanOrEqual(45);
      expect(elapsed).toBeLessThan(250);
      // The timed-out reserve may yet run: a release went out behind it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Buffer.concat(received).toString()).toContain("drop('r' .. ARGV[1])\nreturn 1");
    } finally {
      redis.disconnect();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("refuses a keyPrefix that would break the hash tag, and bad durations", () => {
    const redis = new Redis({ lazyConnect: true });
    const { loader } = new FakeDb();
    expect(() => createRedisCreditStore(redis, loader, { keyPrefix: "cr:{x}:" })).toThrow(RangeError);
    expect(() => createRedisCreditStore(redis, loader, { commandTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => createRedisCreditStore(redis, loader, { mirrorTtlMs: 10_000, pendingTtlMs: 5_000 })).toThrow(
      RangeError,
    );
    redis.disconnect();
  });
});

describe.skipIf(!redisUrl)("redis credit store on a real Redis", () => {
  let redis: Redis;
  let keyPrefix: string;
  let db: FakeDb;
  let orgId: string;
  const others: Redis[] = [];

  beforeEach(async () => {
    redis = new Redis(redisUrl!);
    await redis.ping();
    keyPrefix = randomKeyPrefix();
    db = new FakeDb();
    orgId = uniqueId("org");
  });

  afterEach(async () => {
    await deleteKeys(redis, keyPrefix);
    await Promise.all([redis, ...others.splice(0)].map((client) => client.quit()));
  });

  const connect = async (options: { keyPrefix?: string; stringNumbers?: boolean } = {}) => {
    const client = new Redis(redisUrl!, options);
    others.push(client);
    await client.ping();
    return client;
  };

  it("counts a reply that arrived while the event loop was busy past the deadline (no false 503 under load)", async () => {
    db.grant(orgId, 10n * USD);
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix, commandTimeoutMs: 20 });
    expect((await store.reserve(reserveInput(orgId))).ok).toBe(true); // warm: loaded, script cached
    for (let round = 0; round < 5; round += 1) {
      const reserved = store.reserve(reserveInput(orgId));
      blockEventLoop(80); // Redis answers meanwhile; the 20 ms timer expires before the socket is read
      expect((await reserved).ok).toBe(true);
    }
    expect(await store.reservedMicros(orgId)).toBe(6n * USD);
  });

  it("never overspends an org shared by two replicas: exactly 10 of 100 concurrent 1 USD reserves", async () => {
    db.grant(orgId, 10n * USD);
    const replicas = [
      createRedisCreditStore(await connect(), db.loader, { keyPrefix, commandTimeoutMs: 2000 }),
      createRedisCreditStore(await connect(), db.loader, { keyPrefix, commandTimeoutMs: 2000 }),
    ];
    const ids = Array.from({ length: 100 }, (_, i) => `r${i}`);
    const results = await Promise.all(ids.map((id, i) => replicas[i % 2]!.reserve(reserveInput(orgId, id))));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(db.loads).toBeLessThanOrEqual(2); // one load per replica at most
    expect(await replicas[1]!.reservedMicros(orgId)).toBe(10n * USD);

    // Each replica settles its own requests; both see the sum.
    const admitted = ids.filter((_, i) => results[i]!.ok);
    await Promise.all(admitted.map((id) => replicas[ids.indexOf(id) % 2]!.settle(id, USD / 2n)));
    expect(await orgAvailable(replicas[0]!, orgId)).toBe(5n * USD);
    expect(await orgAvailable(replicas[1]!, orgId)).toBe(5n * USD);
    // A grant seen through one replica's invalidation is seen by both.
    db.grant(orgId, 10n * USD);
    await replicas[0]!.invalidateOrg(orgId);
    expect(await orgAvailable(replicas[1]!, orgId)).toBe(15n * USD);
  });

  it("lets a restarted replica release what its dead predecessor reserved, leaving others' reservations", async () => {
    db.grant(orgId, 10n * USD);
    const dead = createRedisCreditStore(await connect(), db.loader, { keyPrefix, renewEveryMs: 0 });
    const live = createRedisCreditStore(await connect(), db.loader, { keyPrefix, renewEveryMs: 0 });
    for (const id of ["d1", "d2", "d3"]) expect((await dead.reserve(reserveInput(orgId, id))).ok).toBe(true);
    expect((await live.reserve(reserveInput(orgId, "l1"))).ok).toBe(true);
    // The dead replica's journal names its requests; its successor (a third instance) releases them.
    const successor = createRedisCreditStore(await connect(), db.loader, { keyPrefix, renewEveryMs: 0 });
    await successor.releaseAbandoned(["d1", "d2", "d3"].map((requestId) => ({ requestId, orgId })));
    expect(await successor.reservedMicros(orgId)).toBe(USD);
    expect(await orgAvailable(live, orgId)).toBe(9n * USD);
    await live.settle("l1", USD / 2n);
    expect(await live.reservedMicros(orgId)).toBe(0n);
  });

  it("keeps an org's state under one hash tag, amounts as integer strings, with TTLs", async () => {
    db.grant(orgId, 10n * USD);
    db.spent.set("key_1", 2n * USD);
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix, mirrorTtlMs: 30_000 });
    await store.reserve({
      ...reserveInput(orgId, "req_1"),
      amountMicros: 3n * USD,
      keySpendLimitMicros: 5n * USD,
    });
    await store.reserve({ ...reserveInput(orgId, "req_2"), amountMicros: 4n * USD });
    await store.settle("req_2", USD);
    const tag = `${keyPrefix}{${orgId}}:`;
    expect((await redis.keys(`${keyPrefix}*`)).sort()).toEqual([`${tag}e`, `${tag}m`, `${tag}s`, `${tag}z`]);
    const mirror = await redis.hgetall(`${tag}m`);
    expect(mirror.b).toBe(String(10n * USD));
    expect(mirror["k:key_1"]).toBe(String(2n * USD));
    const sums = await redis.hgetall(`${tag}s`);
    expect(sums).toMatchObject({ R: String(3n * USD), "R:key_1": String(3n * USD), P: String(USD) });
    expect(await redis.hgetall(`${tag}e`)).toEqual({ rreq_1: `${3n * USD} key_1`, preq_2: `${USD} key_1` });
    const mirrorTtl = await redis.pttl(`${tag}m`);
    expect(mirrorTtl).toBeGreaterThan(29_000);
    expect(mirrorTtl).toBeLessThanOrEqual(30_000);
    for (const key of ["s", "e", "z"]) expect(await redis.pttl(`${tag}${key}`)).toBeGreaterThan(3_600_000);

    await store.release("req_1");
    await store.acknowledgeWritten([{ requestId: "req_2", orgId, keyId: "key_1", costMicros: USD }]);
    expect(await redis.hgetall(`${tag}e`)).toEqual({});
    expect(await redis.zcard(`${tag}z`)).toBe(0);
    expect(await redis.hgetall(`${tag}s`)).toMatchObject({ R: "0", P: "0", A: String(USD) });
  });

  it("reloads, rather than trusts, a mirror whose sums were lost", async () => {
    db.grant(orgId, 100n * USD);
    db.spent.set("key_2", 4n * USD);
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix });
    const limited = (requestId: string, keyId: string) => ({
      ...reserveInput(orgId, requestId),
      keyId,
      keySpendLimitMicros: 5n * USD,
    });
    expect(await store.reserve(limited("r1", "key_2"))).toEqual({ ok: true }); // key_2: 4 + 1 of 5
    await store.settle("r1", USD);
    const ack = { requestId: "r1", orgId, keyId: "key_2", costMicros: USD };
    db.write([ack]);
    await store.acknowledgeWritten([ack]); // A:key_2 = 1 USD; k:key_2 re-based on it
    await redis.del(`${keyPrefix}{${orgId}}:s`); // evicted, say
    expect(await store.reserve(limited("r2", "key_1"))).toEqual({ ok: true }); // reloads under a new generation
    expect(await store.reserve(limited("r3", "key_2"))).toEqual({
      ok: false,
      reason: "key_spend_limit",
      availableMicros: 0n,
    });
  });

  it("takes one round trip per warm reserve, settle and release", async () => {
    db.grant(orgId, 100n * USD);
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix });
    await store.reserve(reserveInput(orgId, "warm-up")); // loads the mirror, loads the scripts
    await store.settle("warm-up", USD);
    await store.reserve(reserveInput(orgId, "warm-up-2"));
    await store.release("warm-up-2");
    const sent = vi.spyOn(redis, "sendCommand");
    await store.reserve({ ...reserveInput(orgId, "a"), keySpendLimitMicros: 50n * USD }); // new key: one load
    sent.mockClear();
    await store.reserve({ ...reserveInput(orgId, "b"), keySpendLimitMicros: 50n * USD });
    await store.settle("b", USD);
    await store.reserve(reserveInput(orgId, "c"));
    await store.release("c");
    expect(sent.mock.calls.map(([command]) => command.name)).toEqual([
      "evalsha",
      "evalsha",
      "evalsha",
      "evalsha",
    ]);
  });

  it("is exact up to 2^53 - 1 micro-dollars (about 9 billion USD)", async () => {
    db.grant(orgId, MAX_CREDIT_MICROS);
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix });
    expect(
      await store.reserve({ ...reserveInput(orgId, "big"), amountMicros: MAX_CREDIT_MICROS - 1n }),
    ).toEqual({
      ok: true,
    });
    expect(await orgAvailable(store, orgId)).toBe(1n);
    expect(await store.reserve({ ...reserveInput(orgId, "one"), amountMicros: 1n })).toEqual({ ok: true });
    expect(await store.reserve({ ...reserveInput(orgId, "two"), amountMicros: 1n })).toEqual({
      ok: false,
      reason: "insufficient_balance",
      availableMicros: 0n,
    });
    await store.settle("big", MAX_CREDIT_MICROS - 3n); // 2 micro-dollars of it freed
    expect(await orgAvailable(store, orgId)).toBe(2n);
  });

  it("reports a failing script as CreditStoreUnavailableError with the cause", async () => {
    db.grant(orgId, 10n * USD);
    await redis.set(`${keyPrefix}{${orgId}}:m`, "not a hash");
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix });
    const error = await unavailable(store.reserve(reserveInput(orgId)));
    expect(error.reason).toBe("error");
    expect(String(error.cause)).toMatch(/WRONGTYPE/);
  });

  it("connects a lazyConnect client on first use, refusing until it is ready", async () => {
    db.grant(orgId, 10n * USD);
    const lazy = new Redis(redisUrl!, { lazyConnect: true });
    others.push(lazy);
    const store = createRedisCreditStore(lazy, db.loader, { keyPrefix });
    expect((await unavailable(store.reserve(reserveInput(orgId)))).reason).toBe("not-ready");
    await once(lazy, "ready");
    expect(await store.reserve(reserveInput(orgId))).toEqual({ ok: true });
  });

  it("works with a client that returns numbers as strings and applies its own keyPrefix first", async () => {
    db.grant(orgId, 10n * USD);
    const client = await connect({ keyPrefix: `${keyPrefix}app:`, stringNumbers: true });
    const store = createRedisCreditStore(client, db.loader);
    expect(await store.reserve(reserveInput(orgId, "r1"))).toEqual({ ok: true });
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);
    expect(await store.reservedMicros(orgId)).toBe(USD);
    expect(await redis.exists(`${keyPrefix}app:cr:{${orgId}}:m`)).toBe(1);
  });
});

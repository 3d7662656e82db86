import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimiterUnavailableError } from "../../src/metering/limits/rate-limit.ts";
import { createRedisRateLimiter, RATE_LIMIT_LUA } from "../../src/metering/limits/rate-limit-redis.ts";
import { blockEventLoop } from "../support/busy-loop.ts";
import { deleteKeys, randomKeyPrefix } from "./rate-limit-redis-support.ts";

const redisUrl = process.env.TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function unavailable(work: Promise<unknown>): Promise<RateLimiterUnavailableError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimiterUnavailableError);
  return error as RateLimiterUnavailableError;
}

describe("redis rate limiter when Redis is not there", () => {
  it("rejects at once when nothing listens, and keeps rejecting while it reconnects", async () => {
    const probe = createServer();
    const port = await listen(probe);
    probe.close();
    await once(probe, "close");
    const redis = new Redis({ host: "127.0.0.1", port });
    redis.on("error", () => {});
    try {
      const limiter = createRedisRateLimiter(redis);
      const started = performance.now();
      const error = await unavailable(limiter.consume("k", { rpm: 10, tpm: 100 }, 1));
      expect(error.reason).toBe("not-ready");
      expect(performance.now() - started).toBeLessThan(50);
      await sleep(100); // the connection has failed by now: the client is reconnecting
      expect((await unavailable(limiter.consume("k", { rpm: 10, tpm: 100 }, 1))).reason).toBe("not-ready");
      expect((await unavailable(limiter.adjustTokens("k", { rpm: 10, tpm: 100 }, 5))).reason).toBe(
        "not-ready",
      );
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
    // No ready check and no handshake: the client is "ready" as soon as the socket is.
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
      const limiter = createRedisRateLimiter(redis, { commandTimeoutMs: 50 });
      const started = performance.now();
      const results = await Promise.all([
        unavailable(limiter.consume("k", { rpm: 10, tpm: 100 }, 1)),
        unavailable(limiter.adjustTokens("k", { rpm: 10, tpm: 100 }, -1)),
      ]);
      const elapsed = performance.now() - started;
      expect(results.map((e) => e.reason)).toEqual(["timeout", "timeout"]);
      expect(elapsed).toBeGreaterThanOrEqual(45);
      expect(elapsed).toBeLessThan(250);
      expect(Buffer.concat(received).toString()).toMatch(/EVAL/i); // the script did go out
    } finally {
      redis.disconnect(); // the abandoned commands are rejected now: nothing may go unhandled
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("refuses a keyPrefix that would break the hash tag, and a timeout that is not positive", () => {
    const redis = new Redis({ lazyConnect: true });
    expect(() => createRedisRateLimiter(redis, { keyPrefix: "rl:{x}:" })).toThrow(RangeError);
    expect(() => createRedisRateLimiter(redis, { commandTimeoutMs: 0 })).toThrow(RangeError);
    redis.disconnect();
  });
});

describe.skipIf(!redisUrl)("redis rate limiter on a real Redis", () => {
  let redis: Redis;
  let keyPrefix: string;
  const others: Redis[] = [];

  beforeEach(async () => {
    redis = new Redis(redisUrl!);
    await redis.ping();
    keyPrefix = randomKeyPrefix();
  });

  afterEach(async () => {
    await deleteKeys(redis, keyPrefix);
    await Promise.all([redis, ...others.splice(0)].map((client) => client.quit()));
  });

  const connect = async () => {
    const client = new Redis(redisUrl!);
    others.push(client);
    await client.ping();
    return client;
  };

  it("counts a reply that arrived while the event loop was busy past the deadline (no false fail-open under load)", async () => {
    const limiter = createRedisRateLimiter(redis, { keyPrefix, commandTimeoutMs: 20 });
    await limiter.consume("key_busy", { rpm: 1000, tpm: null }, 1); // script loaded
    for (let round = 0; round < 5; round += 1) {
      const decision = limiter.consume("key_busy", { rpm: 1000, tpm: null }, 1);
      blockEventLoop(80);
      expect((await decision).allowed).toBe(true);
    }
  });

  it("keeps both buckets as {tokens, ts} hashes under one hash tag, expiring when full again", async () => {
    const limiter = createRedisRateLimiter(redis, { keyPrefix });
    await limiter.consume("key_1", { rpm: 10, tpm: 100 }, 10);
    const requestKey = `${keyPrefix}{key_1}:r`;
    const tokenKey = `${keyPrefix}{key_1}:t`;
    const [seconds, micros] = await redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);

    const requests = await redis.hgetall(requestKey);
    expect(requests.tokens).toBe(String(9 * 60_000));
    expect(nowMs - Number(requests.ts)).toBeGreaterThanOrEqual(0);
    expect(nowMs - Number(requests.ts)).toBeLessThan(1000);
    expect((await redis.hgetall(tokenKey)).tokens).toBe(String(90 * 60_000));
    // 1 of 10 requests and 10 of 100 tokens both take 6 s to refill.
    for (const key of [requestKey, tokenKey]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(5000);
      expect(ttl).toBeLessThanOrEqual(6001);
    }

    // A refund that fills the bucket deletes it; a key that refills by itself expires.
    await limiter.adjustTokens("key_1", { rpm: 10, tpm: 100 }, -10);
    expect(await redis.exists(tokenKey)).toBe(0);
    await limiter.consume("key_2", { rpm: null, tpm: 600 }, 1); // full again in 100 ms
    const idleKey = `${keyPrefix}{key_2}:t`;
    expect(await redis.exists(idleKey)).toBe(1);
    expect(await redis.exists(`${keyPrefix}{key_2}:r`)).toBe(0); // unlimited: never written
    await sleep(150);
    expect(await redis.exists(idleKey)).toBe(0);
  });

  it("loads the script once per connection and then runs it by EVALSHA", async () => {
    const sent = vi.spyOn(redis, "sendCommand");
    const limiter = createRedisRateLimiter(redis, { keyPrefix });
    for (let i = 0; i < 5; i++) await limiter.consume("k", { rpm: 100, tpm: 1000 }, 1);
    const names = sent.mock.calls.map(([command]) => command.name);
    expect(names).toEqual(["eval", "evalsha", "evalsha", "evalsha", "evalsha"]);
    const sha = createHash("sha1").update(RATE_LIMIT_LUA).digest("hex");
    expect(await redis.script("EXISTS", sha)).toEqual([1]);
  });

  it("shares one limit between replicas: 10/min admits exactly 10 of 50 across two connections", async () => {
    const [first, second] = [await connect(), await connect()];
    const replicas = [
      createRedisRateLimiter(first, { keyPrefix, commandTimeoutMs: 1000 }),
      createRedisRateLimiter(second, { keyPrefix, commandTimeoutMs: 1000 }),
    ];
    const limits = { rpm: 10, tpm: null };
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 2]!.consume("shared", limits, 0)),
    );
    expect(burst.filter((d) => d.allowed)).toHaveLength(10);

    // One after the other, alternating: each replica sees what the other took.
    const turns = [];
    for (let i = 0; i < 20; i++) turns.push(await replicas[i % 2]!.consume("alternating", limits, 0));
    expect(turns.map((d) => d.allowed)).toEqual([...Array(10).fill(true), ...Array(10).fill(false)]);
    expect(turns.slice(0, 10).map((d) => d.requests!.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it("reports a failing script as RateLimiterUnavailableError with the cause", async () => {
    await redis.set(`${keyPrefix}{broken}:r`, "not a hash");
    const limiter = createRedisRateLimiter(redis, { keyPrefix });
    const error = await unavailable(limiter.consume("broken", { rpm: 10, tpm: null }, 0));
    expect(error.reason).toBe("error");
    expect(String(error.cause)).toMatch(/WRONGTYPE/);
  });

  it("connects a lazyConnect client on first use, refusing until it is ready", async () => {
    const lazy = new Redis(redisUrl!, { lazyConnect: true });
    others.push(lazy);
    const limiter = createRedisRateLimiter(lazy, { keyPrefix });
    expect((await unavailable(limiter.consume("k", { rpm: 1, tpm: null }, 0))).reason).toBe("not-ready");
    await once(lazy, "ready");
    expect((await limiter.consume("k", { rpm: 1, tpm: null }, 0)).allowed).toBe(true);
  });

  it("reads replies from a client that returns numbers as strings", async () => {
    const strings = new Redis(redisUrl!, { stringNumbers: true });
    others.push(strings);
    await strings.ping();
    const decision = await createRedisRateLimiter(strings, { keyPrefix }).consume(
      "k",
      { rpm: 3, tpm: null },
      0,
    );
    expect(decision).toEqual({ allowed: true, requests: { limit: 3, remaining: 2, resetMs: 20_000 } });
  });

  it("applies the client's own keyPrefix before its own", async () => {
    const prefixed = new Redis(redisUrl!, { keyPrefix: `${keyPrefix}app:` });
    others.push(prefixed);
    await prefixed.ping();
    await createRedisRateLimiter(prefixed).consume("k", { rpm: 5, tpm: null }, 0);
    expect(await redis.exists(`${keyPrefix}app:rl:{k}:r`)).toBe(1);
  });
});

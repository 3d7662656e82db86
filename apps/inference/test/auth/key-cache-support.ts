// Test helpers for the key cache: a counting wrapper around the real PostgreSQL key store, a TCP
// proxy in front of the real Redis that can hold traffic (a hung server), and connection helpers.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { Redis, type RedisOptions } from "ioredis";
import type { KeyCacheLogger } from "../../src/auth/key-cache.ts";
import type { KeyIdentity, KeyStore } from "../../src/auth/key-store.ts";

/** For tests that provoke Redis failures on purpose. */
export const quietLogger: KeyCacheLogger = { warn() {} };

export const testRedisUrl: string | undefined = process.env.TEST_REDIS_URL || undefined;

/**
 * The real store, wrapped to count its calls. `afterRead` (optional, taken when a call starts) runs
 * once the database has answered and delays the answer until it settles.
 */
export interface CountingKeyStore extends KeyStore {
  calls: number;
  afterRead: (() => Promise<void>) | undefined;
}

export function countingStore(inner: KeyStore): CountingKeyStore {
  const store: CountingKeyStore = {
    calls: 0,
    afterRead: undefined,
    async findByHash(hash: string): Promise<KeyIdentity | undefined> {
      store.calls++;
      const afterRead = store.afterRead;
      const identity = await inner.findByHash(hash);
      if (afterRead) await afterRead();
      return identity;
    },
  };
  return store;
}

/** A promise and the function that settles it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` is true; the elapsed milliseconds, or throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 2_000,
  stepMs = 5,
): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
  return performance.now() - start;
}

export function uniqueName(what: string): string {
  return `gw:test:${what}:${randomBytes(4).toString("hex")}:`;
}

/** A connection to the test Redis, ready; quiet about connection errors (tests provoke them). */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, ...options });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** A loopback port nothing listens on. */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no address");
  return address.port;
}

/** A client of a Redis that is not there: it keeps reconnecting, every command waits or fails. */
export async function deadRedis(options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({
    host: "127.0.0.1",
    port: await deadPort(),
    retryStrategy: () => 100,
    ...options,
  });
  client.on("error", () => {});
  return client;
}

export interface RedisProxy {
  url: string;
  /** Holds every byte sent to Redis from now on: commands hang, connections stay open. */
  freeze(): void;
  /** Sends what was held and forwards again. */
  thaw(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(target: string): Promise<RedisProxy> {
  const { hostname, port } = new URL(target);
  let frozen = false;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; held: Buffer[] }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port || 6379), hostname);
    const pair = { client, upstream, held: [] as Buffer[] };
    pairs.add(pair);
    client.on("data", (chunk: Buffer) => {
      if (frozen) pair.held.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on("close", end);
      socket.on("error", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return {
    url: `redis://127.0.0.1:${address.port}`,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) {
        for (const chunk of pair.held.splice(0)) pair.upstream.write(chunk);
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Kills the server side of the connection named `name` (CLIENT KILL), as a network failure would. */
export async function killClientNamed(admin: Redis, name: string): Promise<void> {
  const list = (await admin.call("CLIENT", "LIST")) as string;
  const line = list.split("\n").find((l) => l.includes(` name=${name} `));
  const id = line && /(?:^|\s)id=(\d+)/.exec(line)?.[1];
  if (!id) throw new Error(`no Redis client named ${name}`);
  await admin.call("CLIENT", "KILL", "ID", id);
}

// The credit store behaviour suite, in process and (with TEST_REDIS_URL) on a real Redis.
import { Redis } from "ioredis";
import { describe } from "vitest";
import { createMemoryCreditStore } from "../../src/metering/credits/credit-store-memory.ts";
import { createRedisCreditStore } from "../../src/metering/credits/credit-store-redis.ts";
import { creditStoreBehaviour } from "./credit-store-suite.ts";
import { deleteKeys, randomKeyPrefix } from "./credit-store-support.ts";

const redisUrl = process.env.TEST_REDIS_URL;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("memory credit store", () => {
  creditStoreBehaviour(async (db, options) => {
    let clock = 1_000_000;
    const store = createMemoryCreditStore(db.loader, { now: () => clock, ...options });
    return {
      store,
      async advance(ms) {
        clock += ms;
        await sleep(0);
      },
      close: () => store.close(),
    };
  });
});

describe.skipIf(!redisUrl)("redis credit store", () => {
  creditStoreBehaviour(async (db, options) => {
    const redis = new Redis(redisUrl!);
    await redis.ping();
    const keyPrefix = randomKeyPrefix();
    const store = createRedisCreditStore(redis, db.loader, { keyPrefix, commandTimeoutMs: 2000, ...options });
    return {
      store,
      advance: sleep,
      async close() {
        await store.close();
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      },
    };
  });
});

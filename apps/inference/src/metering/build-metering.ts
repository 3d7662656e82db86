// Assembles metering from the environment: Redis-backed stores when REDIS_URL is set (shared by
// every replica), in-memory ones otherwise (one process).
import { join } from "node:path";
import type { Database } from "@gw/db";
import type { Redis } from "ioredis";
import type { BalanceLoader, CreditStore } from "./credits/credit-store.ts";
import { createMemoryCreditStore } from "./credits/credit-store-memory.ts";
import { createRedisCreditStore } from "./credits/credit-store-redis.ts";
import { KeyHeadroom } from "./limits/headroom.ts";
import type { RateLimiter } from "./limits/rate-limit.ts";
import { createMemoryRateLimiter } from "./limits/rate-limit-memory.ts";
import { createRedisRateLimiter } from "./limits/rate-limit-redis.ts";
import type { Metering } from "./meter.ts";
import { createPriceBook } from "./pricing/prices.ts";
import { createUsageRecorder } from "./usage/usage-recorder.ts";

export interface MeteringConfig {
  db: Database;
  redis: Redis | undefined;
  dataDir: string;
  journalDir: string | undefined;
  reservationTtlMs: number;
  log: Metering["log"] & { info(fields: object, message: string): void };
}

export async function buildMetering(config: MeteringConfig): Promise<Metering & { close(): Promise<void> }> {
  const { db, redis } = config;
  const loader: BalanceLoader = async (orgId, keyId) => {
    const [org, key] = await Promise.all([
      db.prisma.organization.findUnique({ where: { id: orgId }, select: { balanceMicros: true } }),
      db.prisma.apiKey.findUnique({ where: { id: keyId }, select: { spentMicros: true } }),
    ]);
    return { balanceMicros: org?.balanceMicros ?? 0n, keySpentMicros: key?.spentMicros ?? 0n };
  };
  const limiter: RateLimiter = redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter();
  const credits: CreditStore = redis
    ? createRedisCreditStore(redis, loader)
    : createMemoryCreditStore(loader);
  const prices = await createPriceBook(db);
  const usage = createUsageRecorder({
    db,
    journalDir: config.journalDir ?? join(config.dataDir, "usage-journal"),
    // Costs now in PostgreSQL: the credit mirror stops counting them as pending.
    onWritten: (events) => {
      credits
        .acknowledgeWritten(
          events.map((e) => ({
            requestId: e.requestId,
            orgId: e.orgId,
            keyId: e.apiKeyId,
            costMicros: e.costMicros,
          })),
        )
        .catch((error: unknown) =>
          config.log.error({ err: error }, "metering: acknowledging written usage failed"),
        );
    },
    log: (message, fields) => config.log.info(fields ?? {}, message),
  });
  const { replayed } = await usage.recover();
  if (replayed > 0) config.log.info({ replayed }, "metering: wrote usage journaled by a previous process");
  return {
    limiter,
    credits,
    usage,
    prices,
    headroom: new KeyHeadroom(),
    reservationTtlMs: config.reservationTtlMs,
    log: config.log,
    async close() {
      prices.close();
      await usage.close();
      await credits.close();
      await limiter.close();
    },
  };
}

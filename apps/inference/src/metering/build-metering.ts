// Assembles metering from the environment: Redis-backed stores when REDIS_URL is set (shared by
// every replica), in-memory ones otherwise (one process); with METERING=off, the no-op meter.
// At start it recovers what a previous process on this host left in the usage journal (a crash):
// its usage records are written, its requests in flight are recorded as interrupted, and the
// reservations it held are released.
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
import { createMeter, type Meter, type MeterDeps } from "./meter.ts";
import { noopMeter } from "./noop-meter.ts";
import { createPriceBook, type PriceBook } from "./pricing/prices.ts";
import { createUsageRecorder, type RecoveryResult } from "./usage/usage-recorder.ts";

export interface MeteringConfig {
  enabled: boolean;
  db: Database;
  redis: Redis | undefined;
  dataDir: string;
  journalDir: string | undefined;
  reservationLeaseMs: number;
  log: MeterDeps["log"] & { info(fields: object, message: string): void };
}

export interface Metering {
  meter: Meter;
  /** For the internal API (reserved amounts, balance changes); absent with metering off. */
  credits?: CreditStore | undefined;
  prices?: PriceBook | undefined;
}

export async function buildMetering(config: MeteringConfig): Promise<Metering> {
  if (!config.enabled) return { meter: noopMeter };
  const { db, redis, log } = config;
  const loader: BalanceLoader = async (orgId, keyId) => {
    const [org, key] = await Promise.all([
      db.prisma.organization.findUnique({ where: { id: orgId }, select: { balanceMicros: true } }),
      db.prisma.apiKey.findUnique({ where: { id: keyId }, select: { spentMicros: true } }),
    ]);
    return { balanceMicros: org?.balanceMicros ?? 0n, keySpentMicros: key?.spentMicros ?? 0n };
  };
  const renewEveryMs = Math.max(1, Math.floor(config.reservationLeaseMs / 3));
  const limiter: RateLimiter = redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter();
  const credits: CreditStore = redis
    ? createRedisCreditStore(redis, loader, { renewEveryMs })
    : createMemoryCreditStore(loader, { renewEveryMs });
  const prices = await createPriceBook(db);
  const usage = createUsageRecorder({
    db,
    journalDir: config.journalDir ?? join(config.dataDir, "usage-journal"),
    reservationLeaseMs: config.reservationLeaseMs,
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
        .catch((error: unknown) => log.error({ err: error }, "metering: acknowledging written usage failed"));
    },
    log: (message, fields) => log.info(fields ?? {}, message),
  });
  const recovered = await usage.recover();
  if (recovered.replayed > 0 || recovered.interrupted > 0) {
    log.info(
      { replayed: recovered.replayed, interrupted: recovered.interrupted },
      "metering: wrote usage journaled by a previous process",
    );
  }
  await releaseAbandoned(credits, recovered, log);
  const meter = createMeter({
    limiter,
    credits,
    usage,
    prices,
    headroom: new KeyHeadroom(),
    reservationLeaseMs: config.reservationLeaseMs,
    log,
  });
  return { meter, credits, prices };
}

/**
 * The dead process's reservations go once its usage is in the database: each org's balance is
 * reloaded first, then the reservations are dropped, so no moment counts the money as free that
 * was spent. A failure here only leaves them to expire with their lease.
 */
async function releaseAbandoned(
  credits: CreditStore,
  recovered: RecoveryResult,
  log: MeteringConfig["log"],
): Promise<void> {
  if (recovered.abandoned.length === 0) return;
  try {
    const orgs = new Set(recovered.abandoned.map((entry) => entry.orgId));
    await Promise.all([...orgs].map((orgId) => credits.invalidateOrg(orgId)));
    await credits.releaseAbandoned(recovered.abandoned);
    log.info(
      { requests: recovered.abandoned.length, orgs: orgs.size },
      "metering: released the reservations a previous process left",
    );
  } catch (error) {
    log.warn(
      { err: error },
      "metering: could not release a previous process's reservations; they expire with their lease",
    );
  }
}

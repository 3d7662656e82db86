// Test helpers for the credit stores: an in-memory stand-in for the database behind the
// BalanceLoader (and the durable writer), probes of what is available, and Redis key hygiene.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import type { BalanceLoader, CreditStore, WrittenCost } from "../../src/metering/credits/credit-store.ts";
import { MAX_CREDIT_MICROS } from "../../src/metering/credits/credit-store-shared.ts";

export const USD = 1_000_000n;

/** A load held at its gate: `reached` resolves once a load is waiting there. */
export interface PausedLoads {
  reached: Promise<void>;
  resume(): void;
}

/**
 * The database: org balances and key spent totals. `loader` reads it like the real BalanceLoader;
 * `write` is the durable writer (debits balances, adds to spent totals).
 */
export class FakeDb {
  readonly balances = new Map<string, bigint>();
  readonly spent = new Map<string, bigint>();
  down = false;
  /** Loads never answer while set. */
  hang = false;
  loads = 0;
  private gate: { readBefore: boolean; wait: Promise<void>; reached: () => void } | undefined;

  readonly loader: BalanceLoader = async (orgId, keyId) => {
    this.loads++;
    const gate = this.gate;
    const early = gate?.readBefore ? this.read(orgId, keyId) : undefined;
    if (gate !== undefined) {
      this.gate = undefined;
      gate.reached();
      await gate.wait;
    }
    if (this.hang) await new Promise(() => {});
    return early ?? this.read(orgId, keyId);
  };

  private read(orgId: string, keyId: string) {
    if (this.down) throw new Error("connection refused (database is down)");
    return { balanceMicros: this.balances.get(orgId) ?? 0n, keySpentMicros: this.spent.get(keyId) ?? 0n };
  }

  grant(orgId: string, micros: bigint): void {
    this.balances.set(orgId, (this.balances.get(orgId) ?? 0n) + micros);
  }

  write(entries: readonly WrittenCost[]): void {
    for (const entry of entries) {
      this.balances.set(entry.orgId, (this.balances.get(entry.orgId) ?? 0n) - entry.costMicros);
      this.spent.set(entry.keyId, (this.spent.get(entry.keyId) ?? 0n) + entry.costMicros);
    }
  }

  /**
   * Holds the next load at a gate until resume(). readBefore: it reads the database before waiting
   * (a snapshot older than what happens meanwhile), else after.
   */
  pauseNextLoad(readBefore: boolean): PausedLoads {
    let reached!: () => void;
    let resume!: () => void;
    const reachedPromise = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const wait = new Promise<void>((resolve) => {
      resume = resolve;
    });
    this.gate = { readBefore, wait, reached };
    return { reached: reachedPromise, resume };
  }
}

let counter = 0;
/** An id no other test uses. */
export const uniqueId = (what: string) =>
  `${what}_${process.pid}_${++counter}_${randomBytes(3).toString("hex")}`;

/** What the org has available: the amount a refused, too-large reserve reports (it takes nothing). */
export async function orgAvailable(store: CreditStore, orgId: string, keyId = "probe-key"): Promise<bigint> {
  const result = await store.reserve({
    requestId: uniqueId("probe"),
    orgId,
    keyId,
    amountMicros: MAX_CREDIT_MICROS,
    keySpendLimitMicros: null,
    ttlMs: 60_000,
  });
  expect(result).toMatchObject({ ok: false, reason: "insufficient_balance" });
  return result.ok ? -1n : result.availableMicros;
}

/**
 * What is left of a key's limit. The probe asks for all the org has, so the org fits and the key
 * refuses: only for keys whose remaining limit is below the org's available balance.
 */
export async function keyAvailable(
  store: CreditStore,
  orgId: string,
  keyId: string,
  limit: bigint,
): Promise<bigint> {
  const orgLeft = await orgAvailable(store, orgId, keyId);
  const result = await store.reserve({
    requestId: uniqueId("probe"),
    orgId,
    keyId,
    amountMicros: orgLeft,
    keySpendLimitMicros: limit,
    ttlMs: 60_000,
  });
  expect(result).toMatchObject({ ok: false, reason: "key_spend_limit" });
  return result.ok ? -1n : result.availableMicros;
}

/** Polls `check` (real time) until it stops throwing, at most `ms`. */
export async function eventually(check: () => Promise<void>, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** A key prefix no other test run uses (letters, digits and colons: safe in a SCAN pattern). */
export function randomKeyPrefix(): string {
  return `crtest:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix` (and nothing else). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

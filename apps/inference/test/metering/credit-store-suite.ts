// The behaviour every CreditStore must show, run against each implementation. The database is the
// FakeDb behind the BalanceLoader; tests play the durable writer (db.write, then acknowledgeWritten).
import { afterEach, expect, it } from "vitest";
import {
  type CreditStore,
  CreditStoreUnavailableError,
  type ReserveInput,
  type ReserveResult,
  type WrittenCost,
} from "../../src/metering/credits/credit-store.ts";
import { MAX_CREDIT_MICROS } from "../../src/metering/credits/credit-store-shared.ts";
import { eventually, FakeDb, keyAvailable, orgAvailable, USD, uniqueId } from "./credit-store-support.ts";

export interface CreditStoreHarnessOptions {
  mirrorTtlMs?: number;
  pendingTtlMs?: number;
  loadTimeoutMs?: number;
  writeAckLagMs?: number;
}

export interface CreditStoreHarness {
  store: CreditStore;
  /** Lets `ms` of store time pass: a fake clock moves, or the test really waits. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export type MakeCreditStoreHarness = (
  db: FakeDb,
  options: CreditStoreHarnessOptions,
) => Promise<CreditStoreHarness>;

const LONG_TTL = 600_000;
const SHORT_TTL = 100;

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

async function unavailable(work: Promise<unknown>, reason: string): Promise<void> {
  const error = await rejection(work);
  expect(error).toBeInstanceOf(CreditStoreUnavailableError);
  expect((error as CreditStoreUnavailableError).reason).toBe(reason);
}

export function creditStoreBehaviour(make: MakeCreditStoreHarness): void {
  const open: CreditStoreHarness[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });

  async function setup(options: CreditStoreHarnessOptions = {}) {
    const db = new FakeDb();
    const harness = await make(db, options);
    open.push(harness);
    const orgId = uniqueId("org");
    const keyId = uniqueId("key");
    const { store } = harness;
    const reserve = (
      requestId: string,
      amountMicros: bigint,
      more: Partial<ReserveInput> = {},
    ): Promise<ReserveResult> =>
      store.reserve({
        requestId,
        orgId,
        keyId,
        amountMicros,
        keySpendLimitMicros: null,
        ttlMs: LONG_TTL,
        ...more,
      });
    const written = (requestId: string, costMicros: bigint, key = keyId): WrittenCost => ({
      requestId,
      orgId,
      keyId: key,
      costMicros,
    });
    return { db, store, advance: harness.advance, orgId, keyId, reserve, written };
  }

  it("admits exactly 10 of 100 concurrent 1 USD reserves against 10 USD, loading the balance once", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => reserve(`r${i}`, USD)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    for (const refused of results.filter((r) => !r.ok)) {
      expect(refused).toEqual({ ok: false, reason: "insufficient_balance", availableMicros: 0n });
    }
    expect(db.loads).toBe(1);
    expect(await store.reservedMicros(orgId)).toBe(10n * USD);
    expect(await store.reservedMicros(uniqueId("unknown-org"))).toBe(0n);
  });

  it("enforces a key's spend limit on its own, counting the key's spent, pending and reserved", async () => {
    const { db, store, orgId, keyId, reserve, written } = await setup();
    db.grant(orgId, 100n * USD);
    db.spent.set(keyId, 2n * USD);
    const limited = { keySpendLimitMicros: 5n * USD };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reserve(`k${i}`, USD, limited)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    for (const refused of results.filter((r) => !r.ok)) {
      expect(refused).toEqual({ ok: false, reason: "key_spend_limit", availableMicros: 0n });
    }
    // Another key of the org, without a limit, is not held back; the org pays for both.
    expect(await reserve("other", 50n * USD, { keyId: uniqueId("key") })).toEqual({ ok: true });
    expect(await orgAvailable(store, orgId)).toBe(47n * USD);
    // A settled cost stays counted against the key until written, then through spent.
    await store.settle("k0", USD);
    expect(await keyAvailable(store, orgId, keyId, 5n * USD)).toBe(0n);
    db.write([written("k0", USD)]);
    await store.acknowledgeWritten([written("k0", USD)]);
    expect(await keyAvailable(store, orgId, keyId, 5n * USD)).toBe(0n);
    // The limit travels with the call: raising it applies at once.
    expect(await keyAvailable(store, orgId, keyId, 10n * USD)).toBe(5n * USD);
    expect(await reserve("k-more", 5n * USD, { keySpendLimitMicros: 10n * USD })).toEqual({ ok: true });
  });

  it("frees the rest of a reservation when the real cost is lower", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    expect(await reserve("r1", 4n * USD)).toEqual({ ok: true });
    expect(await orgAvailable(store, orgId)).toBe(6n * USD);
    await store.settle("r1", USD);
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);
    expect(await store.reservedMicros(orgId)).toBe(0n);
    expect(await reserve("r2", 9n * USD)).toEqual({ ok: true });
    expect(await reserve("r3", 1n)).toEqual({
      ok: false,
      reason: "insufficient_balance",
      availableMicros: 0n,
    });
  });

  it("frees the whole reservation on release", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    expect(await reserve("r1", 10n * USD)).toEqual({ ok: true });
    expect(await reserve("r2", 1n)).toMatchObject({ ok: false });
    await store.release("r1");
    expect(await orgAvailable(store, orgId)).toBe(10n * USD);
    expect(await reserve("r2", 10n * USD)).toEqual({ ok: true });
  });

  it("expires a crashed request's reservation once; a late release frees nothing, a late settle still charges", async () => {
    const { db, store, advance, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    expect(await reserve("crashed", 3n * USD, { ttlMs: SHORT_TTL })).toEqual({ ok: true });
    expect(await reserve("slow", 3n * USD, { ttlMs: SHORT_TTL })).toEqual({ ok: true });
    expect(await reserve("live", 4n * USD)).toEqual({ ok: true });
    expect(await orgAvailable(store, orgId)).toBe(0n);
    await advance(SHORT_TTL + 50);
    expect(await orgAvailable(store, orgId)).toBe(6n * USD);
    expect(await store.reservedMicros(orgId)).toBe(4n * USD);
    await store.release("crashed"); // already dropped: must not be subtracted again
    expect(await orgAvailable(store, orgId)).toBe(6n * USD);
    expect(await store.reservedMicros(orgId)).toBe(4n * USD);
    await store.settle("slow", USD); // finished after its reservation expired: it did cost 1 USD
    expect(await orgAvailable(store, orgId)).toBe(5n * USD);
    expect(await store.reservedMicros(orgId)).toBe(4n * USD);
  });

  it("keeps a reservation while its holder renews the lease, and lets it go one lease after the renewals stop", async () => {
    const { db, store, advance, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    const lease = 1_000;
    expect(await reserve("long", 4n * USD, { ttlMs: lease })).toEqual({ ok: true });
    // A request running four times its lease, renewed every 300 ms.
    for (let i = 0; i < 4; i += 1) {
      await advance(300);
      await store.renewLeases();
    }
    expect(await store.reservedMicros(orgId)).toBe(4n * USD);
    // Its holder is gone (no more renewals): free one lease later, not after a long TTL.
    await advance(lease + 100);
    expect(await store.reservedMicros(orgId)).toBe(0n);
    expect(await orgAvailable(store, orgId)).toBe(10n * USD);
  });

  it("releases abandoned reservations by request and org, once, without a charge", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    expect(await reserve("left-1", 3n * USD)).toEqual({ ok: true });
    expect(await reserve("left-2", 2n * USD)).toEqual({ ok: true });
    expect(await reserve("kept", USD)).toEqual({ ok: true });
    const abandoned = [
      { requestId: "left-1", orgId },
      { requestId: "left-2", orgId },
      { requestId: "never-reserved", orgId },
    ];
    await store.releaseAbandoned(abandoned);
    await store.releaseAbandoned(abandoned);
    expect(await store.reservedMicros(orgId)).toBe(USD);
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);
  });

  it("picks up a grant after invalidateOrg, and not before", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, USD);
    expect(await reserve("r1", 2n * USD)).toEqual({
      ok: false,
      reason: "insufficient_balance",
      availableMicros: USD,
    });
    db.grant(orgId, 9n * USD);
    expect(await reserve("r2", 2n * USD)).toMatchObject({ ok: false }); // the mirror is still cached
    await store.invalidateOrg(orgId);
    expect(await reserve("r3", 2n * USD)).toEqual({ ok: true });
    expect(await orgAvailable(store, orgId)).toBe(8n * USD);
    expect(db.loads).toBe(2);
    await store.invalidateOrg(uniqueId("never-seen")); // harmless
  });

  it("counts a written but unacknowledged cost twice after a reload, never zero times; exact after the ack", async () => {
    const { db, store, orgId, keyId, reserve, written } = await setup();
    db.grant(orgId, 100n * USD);
    const limit = 10n * USD;
    expect(await reserve("r1", 4n * USD, { keySpendLimitMicros: limit })).toEqual({ ok: true });
    await store.settle("r1", 3n * USD);
    expect(await orgAvailable(store, orgId)).toBe(97n * USD);
    expect(await keyAvailable(store, orgId, keyId, limit)).toBe(7n * USD);

    db.write([written("r1", 3n * USD)]); // durable: PostgreSQL has 97 USD and 3 USD spent now
    await store.invalidateOrg(orgId);
    const orgBeforeAck = await orgAvailable(store, orgId);
    const keyBeforeAck = await keyAvailable(store, orgId, keyId, limit);
    expect(orgBeforeAck).toBeLessThanOrEqual(97n * USD);
    expect(keyBeforeAck).toBeLessThanOrEqual(7n * USD);
    expect(orgBeforeAck).toBe(94n * USD); // 3 USD subtracted twice, until the ack
    expect(keyBeforeAck).toBe(4n * USD);

    const loads = db.loads;
    // The mirror was loaded just before this ack, so it may have seen the write: the ack reloads it.
    await store.acknowledgeWritten([written("r1", 3n * USD)]);
    expect(db.loads).toBe(loads + 1);
    expect(await orgAvailable(store, orgId)).toBe(97n * USD);
    expect(await keyAvailable(store, orgId, keyId, limit)).toBe(7n * USD);
    await store.acknowledgeWritten([written("r1", 3n * USD), written("unknown", USD)]); // again: no change
    expect(await orgAvailable(store, orgId)).toBe(97n * USD);
  });

  it("never over-states when an ack lands while a load is in flight (snapshot older than the write)", async () => {
    const { db, store, orgId, keyId, reserve, written } = await setup();
    db.grant(orgId, 100n * USD);
    const limit = 10n * USD;
    expect(await reserve("r1", 4n * USD, { keySpendLimitMicros: limit })).toEqual({ ok: true });
    await store.settle("r1", 3n * USD);
    await store.invalidateOrg(orgId);

    const paused = db.pauseNextLoad(true); // reads 100 USD / 0 spent, then waits
    const probe = orgAvailable(store, orgId, keyId);
    await paused.reached;
    db.write([written("r1", 3n * USD)]);
    await store.acknowledgeWritten([written("r1", 3n * USD)]);
    paused.resume();
    // Installed as read, the snapshot would say 100 USD with nothing pending.
    expect(await probe).toBe(97n * USD);
    expect(await keyAvailable(store, orgId, keyId, limit)).toBe(7n * USD);
  });

  it("never over-states when an ack lands while a load is in flight (snapshot newer than the write)", async () => {
    const { db, store, orgId, reserve, written } = await setup();
    db.grant(orgId, 100n * USD);
    expect(await reserve("r1", 4n * USD)).toEqual({ ok: true });
    await store.settle("r1", 3n * USD);
    await store.invalidateOrg(orgId);

    const paused = db.pauseNextLoad(false); // waits, then reads 97 USD
    const probe = orgAvailable(store, orgId);
    await paused.reached;
    db.write([written("r1", 3n * USD)]);
    await store.acknowledgeWritten([written("r1", 3n * USD)]);
    paused.resume();
    // Installed as read minus the ack (94 USD: counted twice, the store cannot tell), then loaded
    // again at once since an ack overlapped the load: exact.
    expect(await probe).toBe(97n * USD);
    expect(db.loads).toBe(3);
  });

  it("applies an acknowledged cost to a mirror loaded before its write, without reloading", async () => {
    const { db, store, advance, orgId, keyId, reserve, written } = await setup({ writeAckLagMs: 1 });
    db.grant(orgId, 100n * USD);
    const limit = 10n * USD;
    expect(await reserve("r1", 4n * USD, { keySpendLimitMicros: limit })).toEqual({ ok: true });
    await store.settle("r1", 3n * USD);
    await advance(20); // later than any write the load could have seen
    db.write([written("r1", 3n * USD)]);
    await store.acknowledgeWritten([written("r1", 3n * USD)]);
    expect(await orgAvailable(store, orgId)).toBe(97n * USD);
    expect(await keyAvailable(store, orgId, keyId, limit)).toBe(7n * USD);
    expect(db.loads).toBe(1);
  });

  it("throws away a load that an invalidation overtook (a refund must not be missed)", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    const paused = db.pauseNextLoad(true); // reads 10 USD, then waits
    const pending = reserve("r1", 8n * USD);
    await paused.reached;
    db.grant(orgId, -9n * USD); // refunded: 1 USD left
    await store.invalidateOrg(orgId);
    paused.resume();
    expect(await pending).toEqual({ ok: false, reason: "insufficient_balance", availableMicros: USD });
    expect(db.loads).toBe(2);
  });

  it("settles and releases idempotently", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    expect(await reserve("r1", 4n * USD)).toEqual({ ok: true });
    expect(await reserve("r1", 4n * USD)).toEqual({ ok: true }); // same request: nothing more reserved
    expect(await orgAvailable(store, orgId)).toBe(6n * USD);
    await Promise.all([store.settle("r1", USD), store.settle("r1", USD)]);
    await store.settle("r1", USD);
    await store.release("r1");
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);

    expect(await reserve("r2", 2n * USD)).toEqual({ ok: true });
    await Promise.all([store.release("r2"), store.release("r2")]);
    await store.release("r2");
    await store.settle("r2", USD); // released: it cost nothing and stays that way
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);
    await store.settle("never-reserved", USD);
    await store.release("never-reserved");
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);
    expect(await store.reservedMicros(orgId)).toBe(0n);
  });

  it("fails closed when the database is down and nothing is cached; keeps working on a cached mirror", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    db.down = true;
    await unavailable(reserve("r1", USD), "loader");
    db.down = false;
    expect(await reserve("r2", USD)).toEqual({ ok: true });
    db.down = true;
    expect(await reserve("r3", 2n * USD)).toEqual({ ok: true });
    await store.settle("r2", USD);
    await store.release("r3");
    expect(await orgAvailable(store, orgId)).toBe(9n * USD);
    await store.invalidateOrg(orgId);
    await unavailable(reserve("r4", USD), "loader");
    expect(await store.reservedMicros(orgId)).toBe(0n);
  });

  it("gives up on a loader that does not answer within loadTimeoutMs", async () => {
    const { db, reserve } = await setup({ loadTimeoutMs: 50 });
    db.hang = true;
    const started = performance.now();
    await unavailable(reserve("r1", USD), "loader");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("reloads a mirror past half its TTL in the background, and fails closed once it has expired", async () => {
    const { db, store, advance, orgId, reserve } = await setup({ mirrorTtlMs: 400, pendingTtlMs: 400 });
    db.grant(orgId, USD);
    expect(await reserve("r1", 2n * USD)).toMatchObject({ ok: false });
    db.grant(orgId, 9n * USD); // no invalidateOrg: the mirror heals by itself
    await advance(250);
    expect(await orgAvailable(store, orgId)).toBe(USD); // decided on the old mirror, which reloads
    await eventually(async () => {
      expect(await orgAvailable(store, orgId)).toBe(10n * USD);
    });
    expect(db.loads).toBe(2);

    db.down = true;
    await advance(250);
    expect(await orgAvailable(store, orgId)).toBe(10n * USD); // the reload fails; the mirror lives on
    await advance(250);
    await unavailable(reserve("r2", USD), "loader"); // expired: the balance is unknown now
  });

  it("stops counting a settled cost nobody acknowledged after pendingTtlMs", async () => {
    const { db, store, advance, orgId, reserve } = await setup({ mirrorTtlMs: 200, pendingTtlMs: 200 });
    db.grant(orgId, 10n * USD);
    expect(await reserve("r1", 4n * USD)).toEqual({ ok: true });
    await store.settle("r1", 3n * USD);
    expect(await orgAvailable(store, orgId)).toBe(7n * USD);
    await advance(250); // never written (a dead-lettered event): the database says 10 USD
    expect(await orgAvailable(store, orgId)).toBe(10n * USD);
  });

  it("refuses invalid input with RangeError", async () => {
    const { reserve, store } = await setup();
    expect(await rejection(reserve("r1", -1n))).toBeInstanceOf(RangeError);
    expect(await rejection(reserve("r1", MAX_CREDIT_MICROS + 1n))).toBeInstanceOf(RangeError);
    expect(await rejection(reserve("r1", 1n, { ttlMs: 0 }))).toBeInstanceOf(RangeError);
    expect(await rejection(reserve("r1", 1n, { keySpendLimitMicros: -1n }))).toBeInstanceOf(RangeError);
    expect(await rejection(reserve("", 1n))).toBeInstanceOf(RangeError);
    expect(await rejection(store.settle("r1", -1n))).toBeInstanceOf(RangeError);
  });

  it("rejects every call once closed", async () => {
    const { db, store, orgId, reserve } = await setup();
    db.grant(orgId, 10n * USD);
    expect(await reserve("r1", USD)).toEqual({ ok: true });
    await store.close();
    await unavailable(reserve("r2", USD), "closed");
    await unavailable(store.settle("r1", USD), "closed");
    await unavailable(store.release("r1"), "closed");
    await unavailable(store.acknowledgeWritten([]), "closed");
    await unavailable(store.invalidateOrg(orgId), "closed");
    await unavailable(store.reservedMicros(orgId), "closed");
  });
}

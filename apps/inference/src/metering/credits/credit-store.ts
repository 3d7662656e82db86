// Prepaid credit admission: before any upstream call the gateway reserves the request's maximum
// cost against the organization's balance and the API key's optional spend limit; after the
// response it settles (the real cost replaces the reservation). Implementations: in-process
// (credit-store-memory.ts) and Redis (credit-store-redis.ts, exact across replicas).
//
// PostgreSQL is the source of truth (organizations.balance_micros, api_keys.spent_micros); the
// durable debit is written in batches by the usage writer after settle, which then calls
// acknowledgeWritten. Per org, the store keeps:
//   reserved  live reservations (org total and per key), each expiring after its ttlMs;
//   pending   settled costs not yet acknowledged as written (org total and per key);
//   acked     running totals of acknowledged costs (org and per key); they only ever grow;
//   mirror    a snapshot from the BalanceLoader (balance, and spent of each key seen), taken under
//             a fence token (the org's generation and acked totals just before the load) and stored
//             re-based on it: base = balance + acked_at_token, keyBase = spent − keyAcked_at_token.
// balance now = base − acked          (the snapshot minus every cost acknowledged since its token)
// spent now   = keyBase + keyAcked
// available(org) = balance now − pending − reserved
// available(key) = limit − spent now − pending(key) − reserved(key)
// A reservation is taken only if it fits both (a refusal takes nothing; when both refuse, the reason
// is insufficient_balance). An ack moves a cost from pending to acked: available does not change.
//
// Why the mirror never over-states what is left. Take a cost c, settled at s, committed at w,
// acknowledged at a (the writer acks after its commit: w < a), and a snapshot read at r under a token
// taken at t <= r.
//   - c not in the snapshot (w > r): then a > w > r >= t, so c is pending until a and counted in
//     acked − acked_at_token after: subtracted exactly once, always.
//   - c in the snapshot (w < r) and acked before the token (a < t): not pending, not in acked −
//     acked_at_token: counted once, exact.
//   - c in the snapshot, acked after the token (a > t): counted twice, pending before the ack and
//     acked − acked_at_token after it. This is the window of a reload between a write and its ack:
//     the store cannot tell it from the case above, so it counts the cost twice (conservative). It
//     ends as soon as a reload takes its token after the ack, and the store forces one: a load that
//     acks overlapped (t <= a <= install) is installed and done again at once; an ack that arrives
//     less than writeAckLagMs (default 100 ms) after the mirror was installed, the only acks that can
//     be for writes the load saw if the writer acks that promptly, makes acknowledgeWritten reload
//     the mirror before it resolves. If the writer lags more, the double count lasts until the next
//     refresh (under mirrorTtlMs / 2): never an over-statement either way.
//   - A settle that never reached the store (it failed) leaves c uncounted once its reservation
//     expires; the reservation (at least c) stands in for it until then, which is long after the write
//     and a reload, given a reservation TTL well above the writer's lag plus mirrorTtlMs.
// Grants, top-ups and refunds change the balance outside the store: invalidateOrg drops the mirror
// and bumps the generation, and an install whose token has an older generation is thrown away and
// loaded again (its snapshot may predate the change, in either direction). Reservations, pending
// and acked totals live apart from the mirror, so a reload never drops them. A reload can thus only
// make the mirror more conservative, never over-state. The loader must read committed data from the
// primary (a lagging replica could return a balance from before an acknowledged write).
//
// Leases. A reservation lives ttlMs past its last renewal: the store renews the reservations it made
// and has not yet settled every renewEveryMs, so a request of any length keeps its reservation while
// its replica lives, and a replica that dies (kill -9, OOM) leaves its reservations for at most one
// lease. At the replica's restart, its usage journal names the requests it left (usage-recorder.ts):
// releaseAbandoned drops their reservations at once, whichever instance made them.
//
// Lifetimes. A mirror is used for at most mirrorTtlMs (default 60 s) after it was loaded; past half
// of that, the first reserve that sees it reloads it in the background (that reserve goes on with
// the current mirror), so busy orgs do not wait for the database and changes made without an
// invalidateOrg heal within a minute. Without a usable mirror, reserve loads one first (one load per
// org at a time in a process); if the loader throws or takes longer than loadTimeoutMs, reserve
// rejects with CreditStoreUnavailableError and the route answers 503 (fail closed). A database
// outage is thus ridden out for up to mirrorTtlMs per org, with settles counted as pending meanwhile
// (exact: nothing is written then). A reservation expires after its ttlMs: it is dropped at the next
// reserve of its org, once; a later release does nothing, a later settle still charges the cost (the
// request did cost it). A pending cost the writer never acknowledges (a duplicate, a dead-lettered
// event, a writer that crashed between commit and ack) stops counting after pendingTtlMs (default
// 1 h), long after any mirror loaded before its write has expired, so the store converges to the
// database. An ack that arrives before its settle is ignored; the settle then counts the cost as
// pending until pendingTtlMs (conservative).
//
// settle and release find a reservation by request id through the store instance that made it (the
// meter settles on the instance that reserved): call them on that instance.

/** The durable state of an org and one of its keys, as PostgreSQL has it now. */
export interface BalanceSnapshot {
  balanceMicros: bigint;
  keySpentMicros: bigint;
}

/** Reads the durable state (PostgreSQL); throws when the database is unreachable. */
export type BalanceLoader = (orgId: string, keyId: string) => Promise<BalanceSnapshot>;

export type ReserveResult =
  | { ok: true }
  | { ok: false; reason: "insufficient_balance" | "key_spend_limit"; availableMicros: bigint };

export interface ReserveInput {
  /** Unique per request; settle and release name the reservation by it. */
  requestId: string;
  orgId: string;
  keyId: string;
  /** The request's maximum cost. It fits when it is at most what is available; 0 reserves nothing. */
  amountMicros: bigint;
  /** The key's spend limit (lifetime, compared with api_keys.spent_micros); null: none. */
  keySpendLimitMicros: bigint | null;
  /**
   * The lease: the reservation is freed this long after its last renewal (its process died or lost
   * it). The store renews its own unsettled reservations every renewEveryMs.
   */
  ttlMs: number;
}

/** A reservation a dead process left, by request id and org. */
export interface AbandonedReservation {
  requestId: string;
  orgId: string;
}

export interface WrittenCost {
  requestId: string;
  orgId: string;
  keyId: string;
  costMicros: bigint;
}

export interface CreditStore {
  /**
   * Reserves `amountMicros` if it fits both the org's available balance and the key's remaining
   * spend limit; otherwise takes nothing and says which did not fit and how much of it is left
   * (never negative). Reserving a request id that already holds a live reservation changes nothing.
   * Rejects with CreditStoreUnavailableError when the balance cannot be known (no usable mirror and
   * the loader failed, or the store's backend is unavailable), with RangeError on invalid input.
   */
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /**
   * The request is done: drop its reservation and charge `costMicros` against the mirror (pending
   * durable write). Idempotent per requestId; charges even if the reservation has expired meanwhile.
   */
  settle(requestId: string, costMicros: bigint): Promise<void>;
  /** Drop a reservation without charge (upstream failed before any cost). Idempotent. */
  release(requestId: string): Promise<void>;
  /**
   * Drops reservations a dead process left (named by its usage journal at restart), whichever store
   * instance made them; no charge (the recovered usage is written to the database before). Unknown or
   * already settled requests are ignored.
   */
  releaseAbandoned(reservations: readonly AbandonedReservation[]): Promise<void>;
  /** Renews the lease of every reservation this instance made and has not settled (also on a timer). */
  renewLeases(): Promise<void>;
  /**
   * The durable writer has written these costs (balance and key spent now include them): stop
   * counting them as pending. Entries that are not pending (unknown, already acknowledged) are ignored.
   */
  acknowledgeWritten(entries: readonly WrittenCost[]): Promise<void>;
  /** Forget the cached balance of an org (after a grant/top-up/refund), so the next reserve reloads it. */
  invalidateOrg(orgId: string): Promise<void>;
  /** Sum of live reservations of an org (shown in the portal as "reserved"). */
  reservedMicros(orgId: string): Promise<bigint>;
  /** Stops the store; later calls reject with CreditStoreUnavailableError (reason "closed"). */
  close(): Promise<void>;
}

export type CreditStoreUnavailableReason = "timeout" | "not-ready" | "error" | "loader" | "closed";

/**
 * The store could not decide: the balance could not be loaded (database down or too slow, reason
 * "loader") and no mirror was usable, or the store's backend did not answer in time, is not
 * connected or failed, or the store is closed. Nothing was reserved: fail closed (answer 503).
 */
export class CreditStoreUnavailableError extends Error {
  override readonly name = "CreditStoreUnavailableError";
  readonly reason: CreditStoreUnavailableReason;

  constructor(reason: CreditStoreUnavailableReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

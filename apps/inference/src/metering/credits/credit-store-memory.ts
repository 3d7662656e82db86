// The credit store for single-process mode: each org's mirror, reservations and pending costs in
// one object (semantics and the consistency argument: credit-store.ts). Every operation changes an
// org's state synchronously, so operations on one org are atomic with respect to each other; the
// only await is the balance load, and there is at most one per org at a time: concurrent first
// reserves of an org wait for the same load, then each checks and takes in one synchronous step, so
// two of them can never both pass on the same credit.
//
// Memory stays bounded without timers: every mirrorTtlMs (checked lazily on reserve) orgs with no
// usable mirror and nothing reserved or pending are forgotten, and request ids of reservations that
// expired long ago are dropped.
import type {
  AbandonedReservation,
  BalanceLoader,
  BalanceSnapshot,
  CreditStore,
  ReserveInput,
  ReserveResult,
  WrittenCost,
} from "./credit-store.ts";
import { CreditStoreUnavailableError } from "./credit-store.ts";
import {
  checkMicros,
  checkMs,
  checkReserveInput,
  closedError,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_MIRROR_TTL_MS,
  DEFAULT_PENDING_TTL_MS,
  DEFAULT_RENEW_EVERY_MS,
  DEFAULT_WRITE_ACK_LAG_MS,
  limitOf,
  loaderDeadline,
  loadSnapshot,
  MAX_LOAD_ATTEMPTS,
  noop,
  RESERVED,
} from "./credit-store-shared.ts";

export interface MemoryCreditStoreOptions {
  /** How often unsettled reservations have their lease renewed; default 10 s, 0: never (tests). */
  renewEveryMs?: number;
  /** Milliseconds from any fixed origin; defaults to performance.now (monotonic). */
  now?: () => number;
  /** A loaded mirror is used for at most this long, and reloaded in the background past half; default 60 s. */
  mirrorTtlMs?: number;
  /** A settled cost never acknowledged as written stops counting after this long; default 1 h. */
  pendingTtlMs?: number;
  /** Longest a reserve waits for the balance loader; default 3 s. */
  loadTimeoutMs?: number;
  /**
   * Most time the durable writer takes from commit to acknowledgeWritten; default 100 ms. An ack this
   * soon after a mirror was loaded may be for a cost the load already saw: acknowledgeWritten then
   * reloads the mirror before it resolves. Only exactness depends on it, never safety.
   */
  writeAckLagMs?: number;
}

/** Per key: amounts in flight, and the running total acknowledged (the reload fence). */
interface KeyTotals {
  pending: bigint;
  reserved: bigint;
  acked: bigint;
}

/** Loaded amounts are stored re-based on the acknowledged totals at the load's fence token. */
interface KeyMirror {
  /** Loaded spent − the key's acked total at the token; spent now = base + key.acked. */
  base: bigint;
  refreshAt: number;
}

interface Mirror {
  /** Loaded balance + the org's acked total at the token; balance now = base − org.acked. */
  base: bigint;
  installedAt: number;
  refreshAt: number;
  expiresAt: number;
  /** Spent totals of the keys loaded so far; they live and die with the org's mirror. */
  keys: Map<string, KeyMirror>;
}

interface Reservation {
  readonly orgId: string;
  readonly keyId: string;
  readonly amount: bigint;
  readonly ttlMs: number;
  /** The lease's end; renewed while the reservation is unsettled. */
  expiresAt: number;
  /** When a reservation that expired unsettled is forgotten (a settle after that charges nothing). */
  forgetAt: number;
  /** False once settled, released or expired: its amount no longer counts. */
  live: boolean;
}

interface Pending {
  readonly keyId: string;
  readonly cost: bigint;
  readonly expiresAt: number;
}

interface OrgState {
  readonly id: string;
  mirror: Mirror | undefined;
  /** Bumped by invalidateOrg: a load begun before is outdated. */
  gen: number;
  acked: bigint;
  pending: bigint;
  reserved: bigint;
  keys: Map<string, KeyTotals>;
  reservations: Map<string, Reservation>;
  pendings: Map<string, Pending>;
  /** No reservation or pending cost expires before this. */
  nextExpiry: number;
  load: Promise<void> | undefined;
}

export function createMemoryCreditStore(
  loader: BalanceLoader,
  options?: MemoryCreditStoreOptions,
): CreditStore {
  const now = options?.now ?? (() => performance.now());
  const mirrorTtlMs = options?.mirrorTtlMs ?? DEFAULT_MIRROR_TTL_MS;
  const pendingTtlMs = options?.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
  const loadTimeoutMs = options?.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const writeAckLagMs = options?.writeAckLagMs ?? DEFAULT_WRITE_ACK_LAG_MS;
  checkMs(mirrorTtlMs, "mirrorTtlMs");
  checkMs(writeAckLagMs, "writeAckLagMs");
  checkMs(pendingTtlMs, "pendingTtlMs");
  checkMs(loadTimeoutMs, "loadTimeoutMs");
  if (pendingTtlMs < mirrorTtlMs) throw new RangeError("pendingTtlMs must be at least mirrorTtlMs");
  const refreshAfterMs = Math.max(1, Math.floor(mirrorTtlMs / 2));
  const refreshLeaseMs = Math.max(1, Math.floor(mirrorTtlMs / 4));

  const orgs = new Map<string, OrgState>();
  /** Reservations by request id, live or expired-but-not-forgotten. */
  const requests = new Map<string, Reservation>();
  let nextMaintenance = now() + mirrorTtlMs;
  let closed = false;
  const renewEveryMs = options?.renewEveryMs ?? DEFAULT_RENEW_EVERY_MS;
  const renewTimer = renewEveryMs > 0 ? setInterval(() => renewLeases(), renewEveryMs) : undefined;
  renewTimer?.unref();

  /** Every live reservation's lease starts again now. */
  function renewLeases(): Promise<void> {
    const at = now();
    for (const reservation of requests.values()) {
      if (!reservation.live) continue;
      reservation.expiresAt = at + reservation.ttlMs;
      reservation.forgetAt = reservation.expiresAt + reservation.ttlMs;
    }
    return Promise.resolve();
  }

  function orgOf(orgId: string): OrgState {
    let org = orgs.get(orgId);
    if (org === undefined) {
      org = {
        id: orgId,
        mirror: undefined,
        gen: 0,
        acked: 0n,
        pending: 0n,
        reserved: 0n,
        keys: new Map(),
        reservations: new Map(),
        pendings: new Map(),
        nextExpiry: Number.POSITIVE_INFINITY,
        load: undefined,
      };
      orgs.set(orgId, org);
    }
    return org;
  }

  function keyOf(org: OrgState, keyId: string): KeyTotals {
    let key = org.keys.get(keyId);
    if (key === undefined) {
      key = { pending: 0n, reserved: 0n, acked: 0n };
      org.keys.set(keyId, key);
    }
    return key;
  }

  /** The org's mirror if it can answer for this key now. */
  function usableMirror(org: OrgState, keyId: string, needKey: boolean, at: number): Mirror | undefined {
    const mirror = org.mirror;
    if (mirror === undefined || at >= mirror.expiresAt) return undefined;
    if (needKey && !mirror.keys.has(keyId)) return undefined;
    return mirror;
  }

  function dropReservation(org: OrgState, reservation: Reservation, requestId: string): void {
    reservation.live = false;
    org.reservations.delete(requestId);
    org.reserved -= reservation.amount;
    keyOf(org, reservation.keyId).reserved -= reservation.amount;
  }

  function dropPending(org: OrgState, pending: Pending, requestId: string): void {
    org.pendings.delete(requestId);
    org.pending -= pending.cost;
    keyOf(org, pending.keyId).pending -= pending.cost;
  }

  /** Drops expired reservations (each once: it leaves the map) and expired pending costs. */
  function sweep(org: OrgState, at: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [requestId, reservation] of org.reservations) {
      if (reservation.expiresAt <= at) dropReservation(org, reservation, requestId);
      else if (reservation.expiresAt < next) next = reservation.expiresAt;
    }
    for (const [requestId, pending] of org.pendings) {
      if (pending.expiresAt <= at) dropPending(org, pending, requestId);
      else if (pending.expiresAt < next) next = pending.expiresAt;
    }
    org.nextExpiry = next;
  }

  function maintain(at: number): void {
    nextMaintenance = at + mirrorTtlMs;
    for (const [orgId, org] of orgs) {
      if (at >= org.nextExpiry) sweep(org, at);
      const idle = org.reservations.size === 0 && org.pendings.size === 0 && org.load === undefined;
      if (idle && (org.mirror === undefined || at >= org.mirror.expiresAt)) orgs.delete(orgId);
    }
    for (const [requestId, reservation] of requests) {
      if (at >= reservation.forgetAt) requests.delete(requestId);
    }
  }

  /**
   * Installs a snapshot loaded under a fence token (the org's generation and acked totals when the
   * load began), re-based on those totals: every cost acknowledged after the token is subtracted
   * from it, whether or not the snapshot already included it (conservative). Returns false when
   * acknowledgements landed during the load, so the snapshot may count some cost twice.
   */
  function install(
    org: OrgState,
    keyId: string,
    snapshot: BalanceSnapshot,
    acked: bigint,
    keyAcked: bigint,
  ): boolean {
    const at = now();
    const exact = org.acked === acked;
    // A mirror that may count a cost twice is due for a reload at once.
    const refreshAt = exact ? at + refreshAfterMs : at;
    const base = snapshot.balanceMicros + acked;
    const keyBase = snapshot.keySpentMicros - keyAcked;
    let mirror = org.mirror;
    if (mirror === undefined || at >= mirror.expiresAt) {
      mirror = { base, installedAt: at, refreshAt, expiresAt: at + mirrorTtlMs, keys: new Map() };
      org.mirror = mirror;
    } else {
      mirror.base = base;
      mirror.installedAt = at;
      mirror.refreshAt = refreshAt;
      mirror.expiresAt = at + mirrorTtlMs;
    }
    const keyMirror = mirror.keys.get(keyId);
    if (keyMirror === undefined) mirror.keys.set(keyId, { base: keyBase, refreshAt });
    else {
      keyMirror.base = keyBase;
      keyMirror.refreshAt = refreshAt;
    }
    return exact;
  }

  /**
   * Loads and installs (org, key). A load overtaken by invalidateOrg is thrown away; one overlapped
   * by acknowledgements is installed (it is conservative) and loaded again, so it ends exact.
   */
  async function loadAndInstall(org: OrgState, keyId: string): Promise<void> {
    let installed = false;
    for (let attempt = 0; attempt < MAX_LOAD_ATTEMPTS; attempt++) {
      const gen = org.gen;
      const acked = org.acked;
      const keyAcked = keyOf(org, keyId).acked;
      const snapshot = await loadSnapshot(loader, org.id, keyId);
      if (closed) throw closedError();
      if (org.gen !== gen) continue; // invalidated meanwhile: the snapshot may predate the change
      installed = true;
      if (install(org, keyId, snapshot, acked, keyAcked)) return;
    }
    if (!installed) {
      throw new CreditStoreUnavailableError(
        "loader",
        `the balance of org ${org.id} kept being invalidated while loading`,
      );
    }
  }

  /** The org's load in progress, or a new one for this key; at most one per org. */
  function startLoad(org: OrgState, keyId: string): Promise<void> {
    let load = org.load;
    if (load === undefined) {
      load = loadAndInstall(org, keyId);
      org.load = load;
      const done = () => {
        if (org.load === load) org.load = undefined;
      };
      load.then(done, done);
    }
    return load;
  }

  /** A reload after an acknowledgement; on failure the mirror stays (conservative) and reloads on the next reserve. */
  function healLoad(org: OrgState, keyId: string): Promise<void> {
    return loadAndInstall(org, keyId).catch(() => {
      const mirror = org.mirror;
      if (mirror !== undefined) mirror.refreshAt = now();
    });
  }

  function take(org: OrgState, mirror: Mirror, input: ReserveInput, at: number): ReserveResult {
    if (at >= org.nextExpiry) sweep(org, at);
    const { requestId, keyId, amountMicros } = input;
    const limit = input.keySpendLimitMicros;
    const keyMirror = limit === null ? undefined : mirror.keys.get(keyId)!;
    if (at >= mirror.refreshAt || (keyMirror !== undefined && at >= keyMirror.refreshAt)) {
      mirror.refreshAt = at + refreshLeaseMs;
      if (keyMirror !== undefined) keyMirror.refreshAt = at + refreshLeaseMs;
      startLoad(org, keyId).catch(noop); // reserves go on with this mirror meanwhile
    }
    if (org.reservations.has(requestId)) return RESERVED;
    const key = keyOf(org, keyId);
    const orgAvailable = mirror.base - org.acked - org.pending - org.reserved;
    if (amountMicros > orgAvailable) {
      return {
        ok: false,
        reason: "insufficient_balance",
        availableMicros: orgAvailable > 0n ? orgAvailable : 0n,
      };
    }
    if (keyMirror !== undefined) {
      const keyAvailable = limitOf(limit!) - (keyMirror.base + key.acked) - key.pending - key.reserved;
      if (amountMicros > keyAvailable) {
        return {
          ok: false,
          reason: "key_spend_limit",
          availableMicros: keyAvailable > 0n ? keyAvailable : 0n,
        };
      }
    }
    if (amountMicros > 0n) {
      const expiresAt = at + input.ttlMs;
      const reservation: Reservation = {
        orgId: org.id,
        keyId,
        amount: amountMicros,
        ttlMs: input.ttlMs,
        expiresAt,
        forgetAt: expiresAt + input.ttlMs,
        live: true,
      };
      org.reservations.set(requestId, reservation);
      requests.set(requestId, reservation);
      org.reserved += amountMicros;
      key.reserved += amountMicros;
      if (expiresAt < org.nextExpiry) org.nextExpiry = expiresAt;
    }
    return RESERVED;
  }

  async function reserveSlow(org: OrgState, input: ReserveInput): Promise<ReserveResult> {
    const needKey = input.keySpendLimitMicros !== null;
    for (let attempt = 0; attempt < MAX_LOAD_ATTEMPTS; attempt++) {
      await loaderDeadline(startLoad(org, input.keyId), loadTimeoutMs, org.id);
      if (closed) throw closedError();
      const at = now();
      // The org object stays registered: it has a usable mirror now, so maintenance keeps it.
      const mirror = usableMirror(org, input.keyId, needKey, at);
      if (mirror !== undefined) return take(org, mirror, input, at);
      // Invalidated again, or the load was another key's: load again.
    }
    throw new CreditStoreUnavailableError("loader", `the balance of org ${org.id} could not be loaded`);
  }

  return {
    reserve(input: ReserveInput): Promise<ReserveResult> {
      if (closed) return Promise.reject(closedError());
      try {
        checkReserveInput(input);
      } catch (error) {
        return Promise.reject(error);
      }
      const at = now();
      if (at >= nextMaintenance) maintain(at);
      const org = orgOf(input.orgId);
      const mirror = usableMirror(org, input.keyId, input.keySpendLimitMicros !== null, at);
      if (mirror !== undefined) return Promise.resolve(take(org, mirror, input, at));
      return reserveSlow(org, input);
    },

    settle(requestId: string, costMicros: bigint): Promise<void> {
      if (closed) return Promise.reject(closedError());
      try {
        checkMicros(costMicros, "costMicros");
      } catch (error) {
        return Promise.reject(error);
      }
      const reservation = requests.get(requestId);
      if (reservation === undefined) return Promise.resolve();
      requests.delete(requestId);
      const org = orgOf(reservation.orgId);
      if (reservation.live) dropReservation(org, reservation, requestId);
      if (costMicros > 0n && !org.pendings.has(requestId)) {
        const expiresAt = now() + pendingTtlMs;
        org.pendings.set(requestId, { keyId: reservation.keyId, cost: costMicros, expiresAt });
        org.pending += costMicros;
        keyOf(org, reservation.keyId).pending += costMicros;
        if (expiresAt < org.nextExpiry) org.nextExpiry = expiresAt;
      }
      return Promise.resolve();
    },

    release(requestId: string): Promise<void> {
      if (closed) return Promise.reject(closedError());
      const reservation = requests.get(requestId);
      if (reservation !== undefined) {
        requests.delete(requestId);
        if (reservation.live) dropReservation(orgOf(reservation.orgId), reservation, requestId);
      }
      return Promise.resolve();
    },

    releaseAbandoned(reservations: readonly AbandonedReservation[]): Promise<void> {
      if (closed) return Promise.reject(closedError());
      // This store lives and dies with its process: only its own reservations can be here.
      for (const { requestId } of reservations) {
        const reservation = requests.get(requestId);
        if (reservation === undefined) continue;
        requests.delete(requestId);
        if (reservation.live) dropReservation(orgOf(reservation.orgId), reservation, requestId);
      }
      return Promise.resolve();
    },

    renewLeases() {
      if (closed) return Promise.reject(closedError());
      return renewLeases();
    },

    async acknowledgeWritten(entries: readonly WrittenCost[]): Promise<void> {
      if (closed) throw closedError();
      const at = now();
      let heal: Map<OrgState, Set<string>> | undefined;
      for (const entry of entries) {
        const org = orgs.get(entry.orgId);
        const pending = org?.pendings.get(entry.requestId);
        if (org === undefined || pending === undefined) continue;
        // The cost leaves pending and enters the acked totals: the mirror now counts it as written.
        dropPending(org, pending, entry.requestId);
        org.acked += pending.cost;
        keyOf(org, pending.keyId).acked += pending.cost;
        const mirror = org.mirror;
        if (mirror !== undefined && at < mirror.installedAt + writeAckLagMs && at < mirror.expiresAt) {
          // Loaded so recently that the load may have seen this write: reload, or it counts twice.
          heal ??= new Map();
          let keys = heal.get(org);
          if (keys === undefined) {
            keys = new Set();
            heal.set(org, keys);
          }
          keys.add(pending.keyId);
        }
      }
      if (heal === undefined) return;
      const loads: Promise<void>[] = [];
      for (const [org, keys] of heal) {
        // Each load refreshes the balance and one key's spent: the keys with a mirror, or just one.
        const mirrored = [...keys].filter((keyId) => org.mirror!.keys.has(keyId));
        for (const keyId of mirrored.length > 0 ? mirrored : [keys.values().next().value!]) {
          loads.push(healLoad(org, keyId));
        }
      }
      await Promise.all(loads);
    },

    invalidateOrg(orgId: string): Promise<void> {
      if (closed) return Promise.reject(closedError());
      const org = orgs.get(orgId);
      if (org !== undefined) {
        org.mirror = undefined;
        org.gen++;
      }
      return Promise.resolve();
    },

    reservedMicros(orgId: string): Promise<bigint> {
      if (closed) return Promise.reject(closedError());
      const org = orgs.get(orgId);
      if (org === undefined) return Promise.resolve(0n);
      const at = now();
      if (at >= org.nextExpiry) sweep(org, at);
      return Promise.resolve(org.reserved);
    },

    close(): Promise<void> {
      closed = true;
      clearInterval(renewTimer);
      orgs.clear();
      requests.clear();
      return Promise.resolve();
    },
  };
}

// The credit store shared by all gateway replicas: each org's mirror, reservations and pending
// costs live in Redis, and one Lua script per operation reads and writes them atomically on the
// Redis server's clock (semantics and the consistency argument: credit-store.ts). A warm reserve,
// a settle and a release are one round trip each (EVALSHA); acknowledgeWritten is one per org.
//
// Keys, all hash-tagged by org so they sit on one Redis Cluster slot (`cr:` is the keyPrefix):
//   cr:{<org>}:m  mirror hash: g (generation it was loaded under; a mirror whose g differs from s's
//                 is ignored), b (loaded balance + A at the load's token), i (install time), f (time
//                 the org's mirror is due for a reload), k:<key> (the key's loaded spent − A:<key> at
//                 the token), f:<key> (its reload time). TTL mirrorTtlMs from the last load, so a
//                 mirror nobody reloads disappears and is loaded afresh.
//   cr:{<org>}:s  sums hash: R, R:<key> (reserved), P, P:<key> (pending), A, A:<key> (running totals
//                 acknowledged), g (generation: set from the clock, bumped by invalidateOrg).
//   cr:{<org>}:e  entries hash: r<requestId> -> "<amount> <keyId>" (live reservation),
//                 p<requestId> -> "<cost> <keyId>" (pending cost).
//   cr:{<org>}:z  sorted set of the same members by expiry time (Redis server ms); every reserve
//                 drops the expired ones first (at most 100 per call), each exactly once.
// s, e and z expire together after max(pendingTtlMs, mirrorTtlMs) + 60 s without writes (longer if a
// reservation's ttlMs is), always outliving the mirror and every entry in them.
//
// Settle and release only get a request id; the org and key of each reservation this instance
// made are kept in process memory until it is settled or released, so they need no lookup round
// trip and no key outside the org's slot. The meter settles on the instance that reserved; a request
// id this instance does not know is a no-op. The same list is what renewLeases renews (one script
// call per org every renewEveryMs); a settle or release that failed stays in it and is retried there.
//
// Amounts are stored as decimal integer strings and summed with HINCRBY (64-bit integers); Lua
// compares them as doubles, exact while balances, limits and sums stay below 2^53 micro-dollars
// (about 9 billion USD, MAX_CREDIT_MICROS; larger inputs are refused or clamped conservatively). The
// acknowledged totals A grow with an org's spend for as long as its sums key lives (it expires after
// an idle hour or so), so the bound applies to balance + that spend: far beyond any real org.
// Redis must not evict these keys (maxmemory-policy noeviction): they hold money state.
// Numbers written from Lua are formatted with %.0f (Lua's default number-to-string keeps 14 digits).
//
// Failure: every Redis call settles within `commandTimeoutMs` (default 100) or rejects with
// CreditStoreUnavailableError; it never hangs. A client that is not ready (connecting, reconnecting)
// rejects at once ("not-ready") instead of queueing in ioredis' offline queue. A reserve that timed
// out may still run on the server later: a release is sent after it, so the reservation does not
// linger until its TTL. A settle that failed may be retried (the script is idempotent).
import type { Redis } from "ioredis";
import { withDeadline } from "../../deadline.ts";
import type {
  AbandonedReservation,
  BalanceLoader,
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

export interface RedisCreditStoreOptions {
  /** How often this instance renews the leases of its unsettled reservations; default 10 s, 0: never (tests). */
  renewEveryMs?: number;
  /** Prepended to every key (after the client's own keyPrefix); default "cr:". Must not contain "{". */
  keyPrefix?: string;
  /** Longest a call waits for Redis before rejecting with CreditStoreUnavailableError; default 100 ms. */
  commandTimeoutMs?: number;
  /** A loaded mirror lives this long (key TTL), and is reloaded in the background past half; default 60 s. */
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

// KEYS (every script): 1 mirror, 2 sums, 3 entries, 4 expiry set.
const LUA_COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(v)
  if v then return tonumber(v) end
  return 0
end
local function fmt(x) return string.format('%.0f', x) end
local function extend(key, ms)
  local ttl = redis.call('PTTL', key)
  if ttl ~= -2 and ttl < ms then redis.call('PEXPIRE', key, fmt(ms)) end
end
-- "<amount> <keyId>" -> amount (the integer string, never 0), keyId
local function split(v)
  local i = string.find(v, ' ', 1, true)
  return string.sub(v, 1, i - 1), string.sub(v, i + 1)
end
local function add(sum, key, amount)
  redis.call('HINCRBY', KEYS[2], sum, amount)
  redis.call('HINCRBY', KEYS[2], sum .. ':' .. key, amount)
end
-- Removes entry field f ('r..' or 'p..') and its amount from its sums; false if it was not there.
local function drop(f)
  local v = redis.call('HGET', KEYS[3], f)
  if not v then return false end
  local amount, key = split(v)
  local sum = 'P'
  if string.byte(f, 1) == 114 then sum = 'R' end
  add(sum, key, '-' .. amount)
  redis.call('HDEL', KEYS[3], f)
  redis.call('ZREM', KEYS[4], f)
  return amount, key
end
local function sweep(now)
  local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', fmt(now), 'LIMIT', 0, 100)
  for i = 1, #due do
    if not drop(due[i]) then redis.call('ZREM', KEYS[4], due[i]) end
  end
end
-- The fence token for a load of (org, key): generation and acknowledged totals, as strings.
local function token(key, now)
  local g = redis.call('HGET', KEYS[2], 'g')
  if not g then
    g = fmt(now)
    redis.call('HSET', KEYS[2], 'g', g)
  end
  local a = redis.call('HMGET', KEYS[2], 'A', 'A:' .. key)
  return g, a[1] or '0', a[2] or '0'
end
`;

/**
 * ARGV: requestId, keyId, amount, limit ('' none), ttlMs, stateTtlMs, refreshLeaseMs.
 * Returns {code, available, refresh, g, A, A:key}: code 0 reserved, 1 insufficient balance, 2 key
 * spend limit (available: what is left, as a string), 3 no usable mirror (load one under the token
 * g, A, A:key, then retry); refresh 1: the mirror is due for a reload (token given).
 */
const RESERVE_LUA = `${LUA_COMMON}
local now = now_ms()
local id, key, amount, limit = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limited = limit ~= ''
local m = redis.call('HMGET', KEYS[1], 'b', 'f', 'k:' .. key, 'f:' .. key, 'g')
-- A mirror is only valid with the sums it was re-based on: same generation (s was not lost).
if not m[1] or (limited and not m[3]) or m[5] ~= redis.call('HGET', KEYS[2], 'g') then
  local g, a, ak = token(key, now)
  extend(KEYS[2], tonumber(ARGV[6]))
  return {3, '0', 0, g, a, ak}
end
sweep(now)
local refresh = 0
local lease = fmt(now + tonumber(ARGV[7]))
if num(m[2]) <= now then
  redis.call('HSET', KEYS[1], 'f', lease)
  refresh = 1
end
if limited and num(m[4]) <= now then
  redis.call('HSET', KEYS[1], 'f:' .. key, lease)
  refresh = 1
end
local g, a, ak = '', '', ''
if refresh == 1 then g, a, ak = token(key, now) end
local f = 'r' .. id
if redis.call('HEXISTS', KEYS[3], f) == 1 then return {0, '0', refresh, g, a, ak} end
local s = redis.call('HMGET', KEYS[2], 'P', 'R', 'A', 'P:' .. key, 'R:' .. key, 'A:' .. key)
local want = tonumber(amount)
-- balance = b - A; spent = k:<key> + A:<key> (re-based at the load's token, see INSTALL)
local available = tonumber(m[1]) - num(s[3]) - num(s[1]) - num(s[2])
if want > available then return {1, fmt(available), refresh, g, a, ak} end
if limited then
  available = tonumber(limit) - (tonumber(m[3]) + num(s[6])) - num(s[4]) - num(s[5])
  if want > available then return {2, fmt(available), refresh, g, a, ak} end
end
if want > 0 then
  redis.call('HSET', KEYS[3], f, amount .. ' ' .. key)
  redis.call('ZADD', KEYS[4], fmt(now + tonumber(ARGV[5])), f)
  add('R', key, amount)
  local ttl = tonumber(ARGV[6])
  extend(KEYS[2], ttl)
  extend(KEYS[3], ttl)
  extend(KEYS[4], ttl)
end
return {0, '0', refresh, g, a, ak}
`;

/**
 * ARGV: keyId, balance, keySpent (as loaded), g, A, A:key (the token taken before the load),
 * mirrorTtlMs, refreshAfterMs, stateTtlMs. Stores the snapshot re-based on the token's acknowledged
 * totals (b = balance + A, k:<key> = spent - A:<key>), so every cost acknowledged after the token
 * counts against it, whether or not the snapshot already had it (conservative). Returns {1}
 * installed; {2, g, A, A:key} installed, but acknowledgements landed during the load (it may count
 * one twice: load again under this token); {0, g, A, A:key} not installed, the org was invalidated
 * since the token (load again under the new one).
 */
const INSTALL_LUA = `${LUA_COMMON}
local now = now_ms()
local key = ARGV[1]
local g, a, ak = token(key, now)
local ta, tk = tonumber(ARGV[5]), tonumber(ARGV[6])
if g ~= ARGV[4] or tonumber(a) < ta or tonumber(ak) < tk then return {0, g, a, ak} end
local exact = tonumber(a) == ta
local f = now + tonumber(ARGV[8])
if not exact then f = now end
f = fmt(f)
-- Fields of another generation were re-based on totals that are gone: start the mirror afresh.
if redis.call('HGET', KEYS[1], 'g') ~= g then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'g', g, 'b', fmt(tonumber(ARGV[2]) + ta), 'i', fmt(now), 'f', f,
  'k:' .. key, fmt(tonumber(ARGV[3]) - tk), 'f:' .. key, f)
redis.call('PEXPIRE', KEYS[1], ARGV[7])
extend(KEYS[2], tonumber(ARGV[9]))
if exact then return {1} end
return {2, g, a, ak}
`;

/** ARGV: requestId, keyId, cost, pendingTtlMs, stateTtlMs. Drops the reservation, adds the cost as pending once. */
const SETTLE_LUA = `${LUA_COMMON}
local now = now_ms()
local id, key, cost = ARGV[1], ARGV[2], ARGV[3]
local _, reserved_key = drop('r' .. id)
if reserved_key then key = reserved_key end
local f = 'p' .. id
if cost ~= '0' and redis.call('HEXISTS', KEYS[3], f) == 0 then
  redis.call('HSET', KEYS[3], f, cost .. ' ' .. key)
  redis.call('ZADD', KEYS[4], fmt(now + tonumber(ARGV[4])), f)
  add('P', key, cost)
  local ttl = tonumber(ARGV[5])
  extend(KEYS[2], ttl)
  extend(KEYS[3], ttl)
  extend(KEYS[4], ttl)
end
return 1
`;

/** ARGV: requestId. */
const RELEASE_LUA = `${LUA_COMMON}
drop('r' .. ARGV[1])
return 1
`;

/** ARGV: request ids. Drops each one's reservation (reservations a dead process left). */
const RELEASE_ABANDONED_LUA = `${LUA_COMMON}
for i = 1, #ARGV do drop('r' .. ARGV[i]) end
return 1
`;

/**
 * ARGV: stateTtlMs, then pairs of requestId, ttlMs. Each reservation still held expires ttlMs from
 * now (a lease renewal); returns how many were still held.
 */
const RENEW_LUA = `${LUA_COMMON}
local now = now_ms()
local held = 0
for i = 2, #ARGV, 2 do
  local f = 'r' .. ARGV[i]
  if redis.call('HEXISTS', KEYS[3], f) == 1 then
    redis.call('ZADD', KEYS[4], 'XX', fmt(now + tonumber(ARGV[i + 1])), f)
    held = held + 1
  end
end
if held > 0 then
  local ttl = tonumber(ARGV[1])
  extend(KEYS[2], ttl)
  extend(KEYS[3], ttl)
  extend(KEYS[4], ttl)
end
return held
`;

/**
 * ARGV: writeAckLagMs, then the request ids written. Their pending costs move to the acknowledged
 * totals (which the mirror subtracts). If the mirror was loaded less than writeAckLagMs ago, that
 * load may already have seen these writes: returns {1, g, A, key, A:key, ...} (tokens to reload the
 * org with the mirrored keys involved, at most 8, or one key), else {0}.
 */
const ACK_LUA = `${LUA_COMMON}
local now = now_ms()
local installed = redis.call('HGET', KEYS[1], 'i')
local recent = installed and now < tonumber(installed) + tonumber(ARGV[1])
local keys, seen, first = {}, {}, nil
for i = 2, #ARGV do
  local cost, key = drop('p' .. ARGV[i])
  if cost then
    add('A', key, cost)
    if recent and not seen[key] then
      seen[key] = true
      first = first or key
      if #keys < 8 and redis.call('HEXISTS', KEYS[1], 'k:' .. key) == 1 then table.insert(keys, key) end
    end
  end
end
if not first then return {0} end
if #keys == 0 then keys[1] = first end
-- Should the reload fail, the next reserve reloads in the background.
redis.call('HSET', KEYS[1], 'f', fmt(now))
local out = {1, redis.call('HGET', KEYS[2], 'g') or '', redis.call('HGET', KEYS[2], 'A') or '0'}
for i = 1, #keys do
  redis.call('HSET', KEYS[1], 'f:' .. keys[i], fmt(now))
  table.insert(out, keys[i])
  table.insert(out, redis.call('HGET', KEYS[2], 'A:' .. keys[i]) or '0')
end
return out
`;

const INVALIDATE_LUA = `${LUA_COMMON}
redis.call('DEL', KEYS[1])
if redis.call('HEXISTS', KEYS[2], 'g') == 1 then redis.call('HINCRBY', KEYS[2], 'g', 1) end
return 1
`;

const RESERVED_LUA = `${LUA_COMMON}
sweep(now_ms())
return redis.call('HGET', KEYS[2], 'R') or '0'
`;

const SCRIPTS = {
  gatewayCreditReserve: RESERVE_LUA,
  gatewayCreditInstall: INSTALL_LUA,
  gatewayCreditSettle: SETTLE_LUA,
  gatewayCreditRelease: RELEASE_LUA,
  gatewayCreditReleaseAbandoned: RELEASE_ABANDONED_LUA,
  gatewayCreditRenew: RENEW_LUA,
  gatewayCreditAck: ACK_LUA,
  gatewayCreditInvalidate: INVALIDATE_LUA,
  gatewayCreditReserved: RESERVED_LUA,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptCommand = (this: Redis, ...keysAndArgs: Array<string | number>) => Promise<unknown>;

/** The four keys of an org. */
interface OrgKeys {
  m: string;
  s: string;
  e: string;
  z: string;
}

interface Token {
  g: string;
  a: string;
  ak: string;
}

interface LocalReservation {
  orgId: string;
  keyId: string;
  /** The lease, renewed every renewEveryMs until the reservation is settled or released. */
  ttlMs: number;
  /** Set when a settle (cost) or release (0n) failed: retried at the next renewal instead. */
  retry?: bigint;
}

const CODE_RESERVED = 0;
const CODE_BALANCE = 1;
const CODE_KEY_LIMIT = 2;
const CODE_LOAD = 3;
const ORG_KEYS_CACHE_MAX = 10_000;

function fail(reason: "error" | "timeout", message: string, cause?: unknown): CreditStoreUnavailableError {
  return new CreditStoreUnavailableError(reason, message, cause === undefined ? undefined : { cause });
}

/** `work`'s reply, or a rejection with CreditStoreUnavailableError within `ms`. */
function withTimeout(work: Promise<unknown>, ms: number): Promise<unknown> {
  return withDeadline(
    work.catch((error: unknown) => {
      throw fail("error", `credit store Redis call failed: ${String(error)}`, error);
    }),
    ms,
    () => fail("timeout", `credit store Redis call took longer than ${ms} ms`),
  );
}

function tokenOf(reply: unknown[], at: number): Token {
  return { g: String(reply[at]), a: String(reply[at + 1]), ak: String(reply[at + 2]) };
}

export function createRedisCreditStore(
  redis: Redis,
  loader: BalanceLoader,
  options?: RedisCreditStoreOptions,
): CreditStore {
  const keyPrefix = options?.keyPrefix ?? "cr:";
  const timeoutMs = options?.commandTimeoutMs ?? 100;
  const mirrorTtlMs = options?.mirrorTtlMs ?? DEFAULT_MIRROR_TTL_MS;
  const pendingTtlMs = options?.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
  const loadTimeoutMs = options?.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const writeAckLagMs = options?.writeAckLagMs ?? DEFAULT_WRITE_ACK_LAG_MS;
  if (keyPrefix.includes("{"))
    throw new RangeError('credit store keyPrefix must not contain "{" (it sets the hash tag)');
  checkMs(timeoutMs, "commandTimeoutMs");
  checkMs(mirrorTtlMs, "mirrorTtlMs");
  checkMs(pendingTtlMs, "pendingTtlMs");
  checkMs(loadTimeoutMs, "loadTimeoutMs");
  checkMs(writeAckLagMs, "writeAckLagMs");
  if (pendingTtlMs < mirrorTtlMs) throw new RangeError("pendingTtlMs must be at least mirrorTtlMs");
  const stateTtlMs = Math.max(pendingTtlMs, mirrorTtlMs) + 60_000;
  const stateTtl = String(stateTtlMs);
  const mirrorTtl = String(mirrorTtlMs);
  const pendingTtl = String(pendingTtlMs);
  const refreshAfter = String(Math.max(1, Math.floor(mirrorTtlMs / 2)));
  const writeAckLag = String(writeAckLagMs);
  const refreshLease = String(Math.max(1, Math.floor(mirrorTtlMs / 4)));
  const renewEveryMs = options?.renewEveryMs ?? DEFAULT_RENEW_EVERY_MS;

  // Defined once per client; ioredis sends EVALSHA (EVAL only the first time on each connection).
  const commands = {} as Record<ScriptName, ScriptCommand>;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    redis.defineCommand(name, { numberOfKeys: 4, lua: SCRIPTS[name] });
    commands[name] = (redis as unknown as Record<string, ScriptCommand>)[name]!;
  }

  const orgKeysCache = new Map<string, OrgKeys>();
  const requests = new Map<string, LocalReservation>();
  const loads = new Map<string, Promise<void>>();
  const renewTimer =
    renewEveryMs > 0 ? setInterval(() => renewLeases().catch(noop), renewEveryMs) : undefined;
  renewTimer?.unref();
  let closed = false;

  function keysOf(orgId: string): OrgKeys {
    let keys = orgKeysCache.get(orgId);
    if (keys === undefined) {
      if (orgKeysCache.size >= ORG_KEYS_CACHE_MAX) orgKeysCache.clear();
      const tag = `${keyPrefix}{${orgId}}:`;
      keys = { m: `${tag}m`, s: `${tag}s`, e: `${tag}e`, z: `${tag}z` };
      orgKeysCache.set(orgId, keys);
    }
    return keys;
  }

  /** Runs a script on the org's keys: its reply, or CreditStoreUnavailableError within the timeout. */
  function run(name: ScriptName, keys: OrgKeys, ...args: string[]): Promise<unknown> {
    if (closed) return Promise.reject(closedError());
    if (redis.status !== "ready") {
      // lazyConnect clients connect on their first command; this store sends none until ready.
      if (redis.status === "wait") redis.connect().catch(noop);
      return Promise.reject(
        new CreditStoreUnavailableError("not-ready", `credit store Redis connection is ${redis.status}`),
      );
    }
    return withTimeout(commands[name].call(redis, keys.m, keys.s, keys.e, keys.z, ...args), timeoutMs);
  }

  function replyArray(reply: unknown): unknown[] {
    if (!Array.isArray(reply)) throw fail("error", "credit store Redis reply is malformed");
    return reply;
  }

  /**
   * Loads and installs (org, key). A load overtaken by invalidateOrg is thrown away; one overlapped
   * by acknowledgements is installed (it is conservative) and loaded again, so it ends exact.
   */
  async function loadAndInstall(orgId: string, keyId: string, first: Token): Promise<void> {
    let token = first;
    let installed = false;
    for (let attempt = 0; attempt < MAX_LOAD_ATTEMPTS; attempt++) {
      const snapshot = await loadSnapshot(loader, orgId, keyId);
      const reply = replyArray(
        await run(
          "gatewayCreditInstall",
          keysOf(orgId),
          keyId,
          snapshot.balanceMicros.toString(),
          snapshot.keySpentMicros.toString(),
          token.g,
          token.a,
          token.ak,
          mirrorTtl,
          refreshAfter,
          stateTtl,
        ),
      );
      const code = Number(reply[0]);
      if (code === 1) return;
      if (code === 2) installed = true;
      token = tokenOf(reply, 1);
    }
    if (!installed) {
      throw new CreditStoreUnavailableError(
        "loader",
        `the balance of org ${orgId} kept being invalidated while loading`,
      );
    }
  }

  /** This process's load of the org in progress, or a new one; at most one per org. */
  function startLoad(orgId: string, keyId: string, token: Token): Promise<void> {
    let load = loads.get(orgId);
    if (load === undefined) {
      load = loadAndInstall(orgId, keyId, token);
      loads.set(orgId, load);
      const done = () => {
        if (loads.get(orgId) === load) loads.delete(orgId);
      };
      load.then(done, done);
    }
    return load;
  }

  function settleScript(requestId: string, reservation: LocalReservation, costMicros: bigint): Promise<void> {
    return (
      costMicros > 0n
        ? run(
            "gatewayCreditSettle",
            keysOf(reservation.orgId),
            requestId,
            reservation.keyId,
            costMicros.toString(),
            pendingTtl,
            stateTtl,
          )
        : run("gatewayCreditRelease", keysOf(reservation.orgId), requestId)
    ).then(noop);
  }

  /** Settles (cost > 0) or releases (0) a reservation of this instance; on failure it is retried at the next renewal. */
  function finish(requestId: string, costMicros: bigint): Promise<void> {
    const reservation = requests.get(requestId);
    if (reservation === undefined) return Promise.resolve();
    requests.delete(requestId);
    return settleScript(requestId, reservation, costMicros).catch((error: unknown) => {
      // Not known to have happened: kept (its lease renewed) and tried again at the next renewal.
      if (!requests.has(requestId)) requests.set(requestId, { ...reservation, retry: costMicros });
      throw error;
    });
  }

  async function renewLeases(): Promise<void> {
    if (closed) return;
    const byOrg = new Map<string, string[]>();
    const retries: Promise<void>[] = [];
    for (const [requestId, reservation] of requests) {
      if (reservation.retry !== undefined) {
        const cost = reservation.retry;
        requests.delete(requestId);
        retries.push(
          settleScript(requestId, reservation, cost).catch(() => {
            if (!requests.has(requestId)) requests.set(requestId, { ...reservation, retry: cost });
          }),
        );
      }
      // Renewed in any case: a failed settle keeps its reservation until it gets through.
      let args = byOrg.get(reservation.orgId);
      if (args === undefined) {
        args = [stateTtl];
        byOrg.set(reservation.orgId, args);
      }
      args.push(requestId, String(reservation.ttlMs));
    }
    const calls = [...byOrg].map(([orgId, args]) =>
      run("gatewayCreditRenew", keysOf(orgId), ...args).then(noop),
    );
    await Promise.all([...retries, ...calls]);
  }

  /** Acknowledges one org's writes; reloads its mirror first when it was loaded just before them. */
  async function acknowledge(orgId: string, ids: string[]): Promise<void> {
    const reply = replyArray(await run("gatewayCreditAck", keysOf(orgId), writeAckLag, ...ids));
    if (Number(reply[0]) !== 1) return;
    const g = String(reply[1]);
    const a = String(reply[2]);
    const heals: Promise<void>[] = [];
    for (let i = 3; i + 1 < reply.length; i += 2) {
      // On failure the mirror stays (conservative) and the next reserve reloads it.
      heals.push(loadAndInstall(orgId, String(reply[i]), { g, a, ak: String(reply[i + 1]) }).catch(noop));
    }
    await Promise.all(heals);
  }

  async function reserve(input: ReserveInput): Promise<ReserveResult> {
    checkReserveInput(input);
    const { requestId, orgId, keyId, ttlMs } = input;
    const keys = keysOf(orgId);
    const amount = input.amountMicros.toString();
    const limit = input.keySpendLimitMicros === null ? "" : limitOf(input.keySpendLimitMicros).toString();
    const ttl = String(ttlMs);
    const entryTtl = ttlMs + 1000 > stateTtlMs ? String(ttlMs + 1000) : stateTtl;
    for (let attempt = 0; attempt <= MAX_LOAD_ATTEMPTS; attempt++) {
      let reply: unknown[];
      try {
        reply = replyArray(
          await run(
            "gatewayCreditReserve",
            keys,
            requestId,
            keyId,
            amount,
            limit,
            ttl,
            entryTtl,
            refreshLease,
          ),
        );
      } catch (error) {
        // It may still run on the server: take it back behind it (a no-op if it never ran).
        if (error instanceof CreditStoreUnavailableError && error.reason === "timeout") {
          run("gatewayCreditRelease", keys, requestId).catch(noop);
        }
        throw error;
      }
      const code = Number(reply[0]);
      if (code === CODE_LOAD) {
        if (attempt === MAX_LOAD_ATTEMPTS) break;
        await loaderDeadline(startLoad(orgId, keyId, tokenOf(reply, 3)), loadTimeoutMs, orgId);
        continue;
      }
      // Due for a reload: in the background; this reserve was decided on the current mirror.
      if (Number(reply[2]) === 1) startLoad(orgId, keyId, tokenOf(reply, 3)).catch(noop);
      if (code === CODE_RESERVED) {
        if (input.amountMicros > 0n) requests.set(requestId, { orgId, keyId, ttlMs });
        return RESERVED;
      }
      if (code !== CODE_BALANCE && code !== CODE_KEY_LIMIT)
        throw fail("error", "credit store Redis reply is malformed");
      const available = BigInt(String(reply[1]));
      return {
        ok: false,
        reason: code === CODE_BALANCE ? "insufficient_balance" : "key_spend_limit",
        availableMicros: available > 0n ? available : 0n,
      };
    }
    throw new CreditStoreUnavailableError("loader", `the balance of org ${orgId} could not be loaded`);
  }

  return {
    reserve(input: ReserveInput): Promise<ReserveResult> {
      if (closed) return Promise.reject(closedError());
      return reserve(input);
    },

    settle(requestId: string, costMicros: bigint): Promise<void> {
      if (closed) return Promise.reject(closedError());
      try {
        checkMicros(costMicros, "costMicros");
      } catch (error) {
        return Promise.reject(error);
      }
      return finish(requestId, costMicros);
    },

    release(requestId: string): Promise<void> {
      if (closed) return Promise.reject(closedError());
      return finish(requestId, 0n);
    },

    async releaseAbandoned(reservations: readonly AbandonedReservation[]): Promise<void> {
      if (closed) throw closedError();
      const byOrg = new Map<string, string[]>();
      for (const { requestId, orgId } of reservations) {
        requests.delete(requestId);
        const ids = byOrg.get(orgId);
        if (ids === undefined) byOrg.set(orgId, [requestId]);
        else ids.push(requestId);
      }
      const calls: Promise<unknown>[] = [];
      for (const [orgId, ids] of byOrg) {
        for (let i = 0; i < ids.length; i += 500) {
          calls.push(run("gatewayCreditReleaseAbandoned", keysOf(orgId), ...ids.slice(i, i + 500)));
        }
      }
      await Promise.all(calls);
    },

    renewLeases,

    async acknowledgeWritten(entries: readonly WrittenCost[]): Promise<void> {
      if (closed) throw closedError();
      const byOrg = new Map<string, string[]>();
      for (const entry of entries) {
        const ids = byOrg.get(entry.orgId);
        if (ids === undefined) byOrg.set(entry.orgId, [entry.requestId]);
        else ids.push(entry.requestId);
      }
      const calls: Promise<void>[] = [];
      for (const [orgId, ids] of byOrg) calls.push(acknowledge(orgId, ids));
      await Promise.all(calls);
    },

    async invalidateOrg(orgId: string): Promise<void> {
      await run("gatewayCreditInvalidate", keysOf(orgId));
    },

    async reservedMicros(orgId: string): Promise<bigint> {
      const reply = await run("gatewayCreditReserved", keysOf(orgId));
      try {
        return BigInt(String(reply));
      } catch (error) {
        throw fail("error", "credit store Redis reply is malformed", error);
      }
    },

    close(): Promise<void> {
      closed = true;
      clearInterval(renewTimer);
      requests.clear();
      loads.clear();
      return Promise.resolve();
    },
  };
}

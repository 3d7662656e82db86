// Pieces shared by the credit store implementations: defaults, input checks and the bound on amounts.
import { withDeadline } from "../../deadline.ts";
import {
  type BalanceLoader,
  type BalanceSnapshot,
  CreditStoreUnavailableError,
  type ReserveInput,
  type ReserveResult,
} from "./credit-store.ts";

/**
 * The largest amount the stores handle exactly: 2^53 − 1 micro-dollars, about 9.007 billion USD.
 * Redis' Lua compares amounts as doubles, exact below 2^53; the in-process store keeps the same bound
 * so both behave alike. Amounts above it are refused (RangeError); loaded balances, spent totals and
 * limits beyond it are clamped in the conservative direction.
 */
export const MAX_CREDIT_MICROS = 2n ** 53n - 1n;

export const DEFAULT_MIRROR_TTL_MS = 60_000;
export const DEFAULT_PENDING_TTL_MS = 3_600_000;
export const DEFAULT_LOAD_TIMEOUT_MS = 3_000;
export const DEFAULT_WRITE_ACK_LAG_MS = 100;
export const DEFAULT_RENEW_EVERY_MS = 10_000;
/** Loads of one org tried in a row while invalidations keep outdating them. */
export const MAX_LOAD_ATTEMPTS = 3;

export const RESERVED: ReserveResult = Object.freeze({ ok: true });

export function checkMicros(value: bigint, name: string): void {
  if (typeof value !== "bigint" || value < 0n || value > MAX_CREDIT_MICROS) {
    throw new RangeError(
      `${name} must be a bigint from 0 to ${MAX_CREDIT_MICROS} micro-dollars, got ${String(value)}`,
    );
  }
}

export function checkMs(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number of milliseconds, got ${value}`);
  }
}

export function checkReserveInput(input: ReserveInput): void {
  for (const name of ["requestId", "orgId", "keyId"] as const) {
    if (typeof input[name] !== "string" || input[name] === "")
      throw new RangeError(`${name} must be a non-empty string`);
  }
  checkMicros(input.amountMicros, "amountMicros");
  if (
    input.keySpendLimitMicros !== null &&
    (typeof input.keySpendLimitMicros !== "bigint" || input.keySpendLimitMicros < 0n)
  ) {
    throw new RangeError(
      `keySpendLimitMicros must be null or a bigint >= 0, got ${String(input.keySpendLimitMicros)}`,
    );
  }
  checkMs(input.ttlMs, "ttlMs");
}

/** A limit beyond the bound is cut to it (the key may then spend a little less than its limit). */
export function limitOf(limit: bigint): bigint {
  return limit > MAX_CREDIT_MICROS ? MAX_CREDIT_MICROS : limit;
}

/** Clamps a loaded amount into ±MAX_CREDIT_MICROS. */
function clamp(value: bigint): bigint {
  if (value > MAX_CREDIT_MICROS) return MAX_CREDIT_MICROS;
  if (value < -MAX_CREDIT_MICROS) return -MAX_CREDIT_MICROS;
  return value;
}

/**
 * Calls the loader, mapping any failure (and a malformed answer) to CreditStoreUnavailableError
 * ("loader"). Out-of-range values are clamped: a balance never counts for more than the bound, a spent
 * total never for less.
 */
export async function loadSnapshot(
  loader: BalanceLoader,
  orgId: string,
  keyId: string,
): Promise<BalanceSnapshot> {
  let snapshot: BalanceSnapshot;
  try {
    snapshot = await loader(orgId, keyId);
  } catch (error) {
    throw new CreditStoreUnavailableError(
      "loader",
      `cannot load the balance of org ${orgId}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (typeof snapshot?.balanceMicros !== "bigint" || typeof snapshot.keySpentMicros !== "bigint") {
    throw new CreditStoreUnavailableError(
      "loader",
      `the balance loader returned a malformed snapshot for org ${orgId}`,
    );
  }
  return { balanceMicros: clamp(snapshot.balanceMicros), keySpentMicros: clamp(snapshot.keySpentMicros) };
}

/** `work`, or a rejection with CreditStoreUnavailableError ("loader") when it takes longer than `ms`. */
export function loaderDeadline(work: Promise<void>, ms: number, orgId: string): Promise<void> {
  return withDeadline(
    work,
    ms,
    () =>
      new CreditStoreUnavailableError(
        "loader",
        `loading the balance of org ${orgId} took longer than ${ms} ms`,
      ),
  );
}

export function closedError(): CreditStoreUnavailableError {
  return new CreditStoreUnavailableError("closed", "the credit store is closed");
}

export const noop = (): void => {};

// What the request pipeline asks of metering. admit: before any upstream call, price the request's
// targets (a target without a price is never served unless its provider marks the model free), take
// rate-limit quota, and reserve the request's maximum cost against the org's balance and the key's
// spend limit. settle: once the request has ended, however it ended, charge the real cost from real
// usage (or an estimate from what was relayed, flagged), release the rest of the reservation and
// adjust the token bucket. The usage record itself is written by the pipeline, through `usage`, in
// one place. With METERING=off the pipeline gets noop-meter.ts: the same shape, no work.
import { formatUsd } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../errors.ts";
import type { ResolvedRoute, RouteTarget } from "../routing/routing-table.ts";
import { type CreditStore, CreditStoreUnavailableError, type ReserveResult } from "./credits/credit-store.ts";
import { MAX_CREDIT_MICROS } from "./credits/credit-store-shared.ts";
import type { KeyHeadroom } from "./limits/headroom.ts";
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  rateLimitHeaders,
} from "./limits/rate-limit.ts";
import { type Cost, costOf, maxCostOf, NO_COST, NO_USAGE, type TokenUsage } from "./pricing/cost.ts";
import { FREE, type Price, type PriceBook } from "./pricing/prices.ts";
import type { UsageRecorder } from "./usage/usage-recorder.ts";

export interface AdmitRequest {
  requestId: string;
  identity: KeyIdentity;
  /** The resolved route: every target that may serve the request, in try order. */
  route: ResolvedRoute;
  /** Prompt tokens as the gateway counts them. */
  promptTokens: number;
  /** The most output tokens the request may produce, all its choices together (`n`, `best_of`). */
  maxOutputTokens: number;
}

/** A request metering let through. */
export interface Admission {
  /** The route with only billable targets. */
  readonly route: ResolvedRoute;
  /** OpenAI's x-ratelimit-* headers when the key has limits. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the request's output must be capped, so that its cost is bounded by its reservation. */
  readonly boundsOutput: boolean;
  readonly reservedMicros: bigint;
  /** The prompt's cost at the first target's price: what a request interrupted by a crash is charged. */
  readonly promptCost: Cost;
}

/** What a request ended with, for its charge. */
export interface Served {
  /** The target that served (or last failed). */
  target: RouteTarget | undefined;
  /** The upstream's own usage, when it reported any (an explicit zero stays zero). */
  usage: TokenUsage | undefined;
  /** Output tokens relayed to the client, counted by the gateway; absent when nothing was served. */
  estimateOutput: (() => number) | undefined;
}

export interface Charge {
  usage: TokenUsage;
  /** True when the upstream reported no usage and the tokens are the gateway's count. */
  estimated: boolean;
  cost: Cost;
}

export const NO_CHARGE: Readonly<Charge> = Object.freeze({
  usage: NO_USAGE,
  estimated: false,
  cost: NO_COST,
});

export interface Meter {
  /**
   * Admits a request, or throws a GatewayError saying why not (403 model_not_priced, 429, 402, 503):
   * a refused request holds nothing.
   */
  admit(request: AdmitRequest): Promise<Admission>;
  /**
   * For a free request (token counting): takes one request, no tokens, from the key's limits and
   * returns the rate-limit headers, or throws the 429. Nothing is reserved or charged.
   */
  limit(requestId: string, identity: KeyIdentity): Promise<Readonly<Record<string, string>>>;
  /** Ends a request (called once; `admission` undefined when it was refused before admission). */
  settle(admission: Admission | undefined, served: Served): Charge;
  /** Whether the gateway has a price for this provider and model (a priced model is served). */
  priced(provider: string, model: string): boolean;
  /** The usage journal and writer: the pipeline records each request once through it. */
  readonly usage: UsageRecorder;
  close(): Promise<void>;
}

export interface MeterDeps {
  limiter: RateLimiter;
  credits: CreditStore;
  usage: UsageRecorder;
  prices: PriceBook;
  /** Keys with room under their limits: their admission checks run at once. */
  headroom: KeyHeadroom;
  /** A reservation lives this long past its last renewal; its replica renews it while the request runs. */
  reservationLeaseMs: number;
  log: { warn(fields: object, message: string): void; error(fields: object, message: string): void };
}

// Tokenizers differ between vendors: the reservation allows for the upstream counting more.
const PROMPT_MARGIN_NUM = 11n;
const PROMPT_MARGIN_DEN = 10n;
const PROMPT_MARGIN_FLAT = 16;

type Reservation = { result: ReserveResult } | { error: unknown };

class MeteredAdmission implements Admission {
  readonly boundsOutput = true;
  private settled = false;

  constructor(
    readonly request: AdmitRequest,
    readonly route: ResolvedRoute,
    readonly reservedMicros: bigint,
    /** Tokens taken from the key's TPM bucket at admission. */
    readonly rateTokens: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly promptCost: Cost,
  ) {}

  /** True the first time only. */
  close(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }
}

const limitsOf = (identity: KeyIdentity) => ({ rpm: identity.rpmLimit, tpm: identity.tpmLimit });

/** Math.min does not take bigints. */
const minBigint = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** The 429 for a request the key's limits refused. */
function rateLimited(identity: KeyIdentity, tokens: number, headers: Record<string, string>): GatewayError {
  const tooBig = identity.tpmLimit !== null && tokens > identity.tpmLimit;
  return new GatewayError(
    "rate_limit_exceeded",
    tooBig
      ? `This request needs up to ${tokens} tokens, more than this key's limit of ${identity.tpmLimit} tokens per minute. Lower max_tokens or raise the limit.`
      : `Rate limit reached for this API key (${identity.rpmLimit ?? "unlimited"} requests/min, ${identity.tpmLimit ?? "unlimited"} tokens/min). Retry after the time in Retry-After.`,
    null,
    headers,
  );
}

/** The metering of a gateway with metering on. */
export function createMeter(deps: MeterDeps): Meter {
  const { limiter, credits, prices, headroom, log } = deps;

  const priceOf = (target: RouteTarget): Price | undefined =>
    prices.get(target.provider.id, target.model) ??
    (target.provider.freeModels.has(target.model) ? FREE : undefined);

  const background = (work: Promise<unknown>, what: string, requestId: string) =>
    work.catch((error: unknown) => log.error({ err: error, requestId }, `metering: ${what} failed`));

  /**
   * Gives back a reservation made alongside a rate-limit check that refused (or failed): the request
   * goes nowhere, so it holds nothing. Waits for the reserve to answer, so the release follows it.
   */
  async function undoReservation(requestId: string, reservation: Promise<Reservation> | undefined) {
    if (reservation === undefined) return;
    const outcome = await reservation;
    if ("result" in outcome && outcome.result.ok)
      await background(credits.release(requestId), "releasing the reservation", requestId);
  }

  async function admit(request: AdmitRequest): Promise<Admission> {
    const { identity, requestId } = request;
    const targets = request.route.targets.filter((target) => priceOf(target) !== undefined);
    if (targets.length === 0) {
      const names = request.route.targets.map((t) => `${t.provider.id}/${t.model}`).join(", ");
      throw new GatewayError(
        "model_not_priced",
        `The model \`${request.route.requested}\` is not available: ${names} has no price on this gateway, so it cannot be billed. A platform admin can set one (portal: Admin > Prices).`,
        "model",
      );
    }
    const promptForReservation =
      Number((BigInt(request.promptTokens) * PROMPT_MARGIN_NUM) / PROMPT_MARGIN_DEN) + PROMPT_MARGIN_FLAT;
    let reserve = 0n;
    for (const target of targets) {
      const amount = maxCostOf(promptForReservation, request.maxOutputTokens, priceOf(target)!);
      if (amount > reserve) reserve = amount;
    }
    const promptCost = costOf({ ...NO_USAGE, inputTokens: request.promptTokens }, priceOf(targets[0]!)!);

    const rateTokens = request.promptTokens + request.maxOutputTokens;
    const limited = identity.rpmLimit !== null || identity.tpmLimit !== null;
    const reserveNow = (): Promise<Reservation> =>
      credits
        .reserve({
          requestId,
          orgId: identity.orgId,
          keyId: identity.keyId,
          amountMicros: reserve,
          keySpendLimitMicros: identity.spendLimitMicros,
          ttlMs: deps.reservationLeaseMs,
        })
        .then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
    // A key with room under its limits asks the limiter and the credit store at once (one round
    // trip); a key near its limit asks one after the other (headroom.ts).
    let reservation = reserve > 0n && limited && headroom.has(identity.keyId) ? reserveNow() : undefined;
    let headers: Record<string, string> = {};
    let consumed = false;
    if (limited) {
      let decision: RateLimitDecision | undefined;
      try {
        decision = await limiter.consume(identity.keyId, limitsOf(identity), rateTokens);
      } catch (error) {
        if (!(error instanceof RateLimiterUnavailableError)) {
          await undoReservation(requestId, reservation);
          throw error;
        }
        // Fail open: a limiter outage must not stop paid traffic; credits still bound spending.
        log.warn({ requestId }, "rate limiter unavailable; admitting without a limit check");
      }
      headroom.note(identity.keyId, decision, rateTokens);
      if (decision !== undefined) {
        headers = rateLimitHeaders(decision);
        if (!decision.allowed) {
          await undoReservation(requestId, reservation);
          throw rateLimited(identity, rateTokens, headers);
        }
        consumed = true;
      }
    }
    const refund = () => {
      if (consumed) limiter.adjustTokens(identity.keyId, limitsOf(identity), -rateTokens).catch(() => {});
    };

    if (reserve > 0n) {
      reservation ??= reserveNow();
      const outcome = await reservation;
      if ("error" in outcome) {
        refund();
        if (outcome.error instanceof CreditStoreUnavailableError) {
          throw new GatewayError(
            "service_unavailable",
            "The gateway cannot check your balance right now. Retry shortly.",
          );
        }
        throw outcome.error;
      }
      const { result } = outcome;
      if (!result.ok) {
        refund();
        throw new GatewayError(
          "insufficient_quota",
          result.reason === "key_spend_limit"
            ? `This API key has reached its spend limit: the request may cost up to ${formatUsd(reserve)} and ${formatUsd(result.availableMicros)} of the key's limit is left.`
            : `You exceeded your current quota: the request may cost up to ${formatUsd(reserve)} and your organization has ${formatUsd(result.availableMicros)} available. Add credits to continue.`,
        );
      }
    }
    return new MeteredAdmission(
      request,
      { ...request.route, targets },
      reserve,
      consumed ? rateTokens : 0,
      headers,
      promptCost,
    );
  }

  async function limit(requestId: string, identity: KeyIdentity): Promise<Record<string, string>> {
    if (identity.rpmLimit === null && identity.tpmLimit === null) return {};
    let decision: RateLimitDecision;
    try {
      decision = await limiter.consume(identity.keyId, limitsOf(identity), 0);
    } catch (error) {
      if (!(error instanceof RateLimiterUnavailableError)) throw error;
      log.warn({ requestId }, "rate limiter unavailable; admitting without a limit check");
      return {};
    }
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw rateLimited(identity, 0, headers);
    return headers;
  }

  function settle(admission: Admission | undefined, served: Served): Charge {
    if (!(admission instanceof MeteredAdmission) || !admission.close()) return NO_CHARGE;
    const { request, reservedMicros, rateTokens } = admission;
    const { identity, requestId } = request;
    const estimated = served.usage === undefined && served.estimateOutput !== undefined;
    const usage: TokenUsage =
      served.usage ??
      (estimated
        ? { ...NO_USAGE, inputTokens: request.promptTokens, outputTokens: served.estimateOutput!() }
        : NO_USAGE);
    const price = served.target ? priceOf(served.target) : undefined;
    const cost = price ? costOf(usage, price) : NO_COST;
    if (cost.costMicros > reservedMicros) {
      // The charge is what the upstream reported, always; the balance may go below zero by the
      // difference (the reservation covered the rest). Logged: a reservation should cover its cost.
      log.warn(
        {
          requestId,
          costMicros: String(cost.costMicros),
          reservedMicros: String(reservedMicros),
          overMicros: String(cost.costMicros - reservedMicros),
        },
        "metering: usage exceeded its reservation; charged in full",
      );
    }
    // The store updates wait for the end of this turn, so their writes to Redis do not delay the
    // response; the usage record is journaled by the pipeline before the response ends.
    const actualTokens = usage.inputTokens + usage.outputTokens;
    const adjust = identity.tpmLimit !== null && actualTokens !== rateTokens;
    if (reservedMicros > 0n || adjust) {
      setImmediate(() => {
        if (reservedMicros > 0n) {
          background(
            cost.costMicros > 0n
              ? credits.settle(requestId, minBigint(cost.costMicros, MAX_CREDIT_MICROS))
              : credits.release(requestId),
            "settling the reservation",
            requestId,
          );
        }
        if (adjust) {
          background(
            limiter.adjustTokens(identity.keyId, limitsOf(identity), actualTokens - rateTokens),
            "adjusting the token bucket",
            requestId,
          );
        }
      });
    }
    return { usage, estimated, cost };
  }

  return {
    admit,
    limit,
    settle,
    priced: (provider, model) => prices.get(provider, model) !== undefined,
    usage: deps.usage,
    async close() {
      prices.close();
      await deps.usage.close();
      await credits.close();
      await limiter.close();
    },
  };
}

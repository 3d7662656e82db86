// One request's journey through metering: admit (rate limits, then a credit reservation of the
// request's maximum cost), and settle exactly once (real cost from real usage, release the rest,
// adjust the token bucket, journal one usage record). Routes call admit before any upstream call
// and settle when the response has ended, however it ended.
import { formatUsd } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../errors.ts";
import type { ResolvedRoute, RouteTarget } from "../routing/routing-table.ts";
import { type CreditStore, CreditStoreUnavailableError, type ReserveResult } from "./credits/credit-store.ts";
import type { KeyHeadroom } from "./limits/headroom.ts";
import {
  type RateLimitDecision,
  type RateLimiter,
  RateLimiterUnavailableError,
  rateLimitHeaders,
} from "./limits/rate-limit.ts";
import { type Cost, costOf, maxCostOf, type TokenUsage } from "./pricing/cost.ts";
import { FREE, type Price, type PriceBook } from "./pricing/prices.ts";
import type { UsageEvent, UsageRecorder } from "./usage/usage-recorder.ts";

export interface Metering {
  limiter: RateLimiter;
  credits: CreditStore;
  usage: UsageRecorder;
  prices: PriceBook;
  /** Keys with room under their limits: their admission checks run at once. */
  headroom: KeyHeadroom;
  /** How long a reservation may live before it is presumed abandoned (crash, lost request). */
  reservationTtlMs: number;
  log: { warn(fields: object, message: string): void; error(fields: object, message: string): void };
}

export interface AdmitInput {
  requestId: string;
  identity: KeyIdentity;
  endpoint: string;
  requestedModel: string;
  stream: boolean;
  route: ResolvedRoute;
  /** Prompt tokens as the gateway counts them (with a real tokenizer). */
  promptTokens: number;
  /** The most output tokens the request may produce (the client's cap or the injected one). */
  maxOutputTokens: number;
}

export interface SettleInput {
  outcome: UsageEvent["outcome"];
  httpStatus: number;
  errorCode?: string | null;
  /** The target that served (or last failed); none when nothing was attempted. */
  target?: RouteTarget | undefined;
  /** The upstream's own usage, when it reported it. */
  usage?: TokenUsage | undefined;
  /** Output tokens counted by the gateway when the upstream never reported usage. */
  estimatedOutputTokens?: number | undefined;
  attempts?: number;
  ttftMs?: number | null;
}

// Tokenizers differ between vendors: the reservation allows for the upstream counting more.
const PROMPT_MARGIN_NUM = 11n;
const PROMPT_MARGIN_DEN = 10n;
const PROMPT_MARGIN_FLAT = 16;

function priceOf(metering: Metering, target: RouteTarget): Price | undefined {
  return (
    metering.prices.get(target.provider.id, target.model) ??
    (target.provider.freeModels.has(target.model) ? FREE : undefined)
  );
}

/** A request admitted by metering. `settle` must be called exactly once; later calls do nothing. */
export class MeterTicket {
  private settled = false;
  readonly startedAt = performance.now();
  readonly createdAt = new Date();

  constructor(
    private readonly metering: Metering,
    readonly input: AdmitInput,
    /** The route with only billable targets. */
    readonly route: ResolvedRoute,
    readonly reservedMicros: bigint,
    /** Tokens taken from the key's TPM bucket at admission. */
    private readonly rateTokens: number,
    readonly headers: Record<string, string>,
  ) {}

  settle(result: SettleInput): Cost {
    if (this.settled) return { inputCostMicros: 0n, outputCostMicros: 0n, costMicros: 0n };
    this.settled = true;
    const { input, metering } = this;
    const price = result.target ? priceOf(metering, result.target) : undefined;
    const estimated = result.usage === undefined && (result.estimatedOutputTokens ?? 0) > 0;
    const usage: TokenUsage =
      result.usage ??
      (estimated
        ? {
            inputTokens: input.promptTokens,
            outputTokens: result.estimatedOutputTokens ?? 0,
            cachedInputTokens: 0,
            cacheWriteTokens: 0,
            reasoningTokens: 0,
          }
        : { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    let cost = price ? costOf(usage, price) : { inputCostMicros: 0n, outputCostMicros: 0n, costMicros: 0n };
    if (cost.costMicros > this.reservedMicros) {
      // The reservation is the most a request can cost; never charge past what was set aside.
      metering.log.warn(
        {
          requestId: input.requestId,
          costMicros: String(cost.costMicros),
          reservedMicros: String(this.reservedMicros),
        },
        "usage exceeded its reservation; charged the reservation",
      );
      const inputCostMicros = minBigint(cost.inputCostMicros, this.reservedMicros);
      cost = {
        inputCostMicros,
        outputCostMicros: this.reservedMicros - inputCostMicros,
        costMicros: this.reservedMicros,
      };
    }
    const background = (work: Promise<unknown>, what: string) =>
      work.catch((error: unknown) =>
        metering.log.error({ err: error, requestId: input.requestId }, `metering: ${what} failed`),
      );
    // The journal line is written now, before the response goes out (crash safety); the store
    // updates wait for the end of this turn, so their writes to Redis do not delay the response.
    const { reservedMicros, rateTokens } = this;
    const actualTokens = usage.inputTokens + usage.outputTokens;
    const adjust = input.identity.tpmLimit !== null && actualTokens !== rateTokens;
    if (reservedMicros > 0n || adjust) {
      setImmediate(() => {
        if (reservedMicros > 0n) {
          background(
            cost.costMicros > 0n
              ? metering.credits.settle(input.requestId, cost.costMicros)
              : metering.credits.release(input.requestId),
            "settling the reservation",
          );
        }
        if (adjust) {
          background(
            metering.limiter.adjustTokens(
              input.identity.keyId,
              limitsOf(input.identity),
              actualTokens - rateTokens,
            ),
            "adjusting the token bucket",
          );
        }
      });
    }
    metering.usage.record({
      requestId: input.requestId,
      orgId: input.identity.orgId,
      projectId: input.identity.projectId,
      apiKeyId: input.identity.keyId,
      endpoint: input.endpoint,
      requestedModel: input.requestedModel,
      provider: result.target?.provider.id ?? null,
      model: result.target?.model ?? null,
      stream: input.stream,
      ...usage,
      usageEstimated: estimated,
      ...cost,
      latencyMs: Math.round(performance.now() - this.startedAt),
      ttftMs: result.ttftMs ?? null,
      outcome: result.outcome,
      httpStatus: result.httpStatus,
      errorCode: result.errorCode ?? null,
      attempts: result.attempts ?? 0,
      createdAt: this.createdAt,
    });
    return cost;
  }
}

type Reservation = { result: ReserveResult } | { error: unknown };

/**
 * Gives back a reservation made alongside a rate-limit check that refused (or failed): the
 * request goes nowhere, so it holds nothing. Waits for the reserve to answer, so the release
 * follows it; a release that fails is logged, and the reservation then expires with its TTL.
 */
async function undoReservation(
  metering: Metering,
  requestId: string,
  reservation: Promise<Reservation> | undefined,
): Promise<void> {
  if (reservation === undefined) return;
  const outcome = await reservation;
  if ("result" in outcome && outcome.result.ok) {
    await metering.credits.release(requestId).catch((error: unknown) => {
      metering.log.error({ err: error, requestId }, "metering: releasing the reservation failed");
    });
  }
}

/** Math.min does not take bigints. */
function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

const limitsOf = (identity: KeyIdentity) => ({ rpm: identity.rpmLimit, tpm: identity.tpmLimit });

export type RefusalInput = Pick<
  AdmitInput,
  "requestId" | "identity" | "endpoint" | "requestedModel" | "stream"
>;

/** Records a request refused before it was admitted (one usage record per request, always). */
export function recordRefusal(
  metering: Metering,
  input: RefusalInput,
  outcome: UsageEvent["outcome"],
  error: GatewayError,
): void {
  metering.usage.record({
    requestId: input.requestId,
    orgId: input.identity.orgId,
    projectId: input.identity.projectId,
    apiKeyId: input.identity.keyId,
    endpoint: input.endpoint,
    requestedModel: input.requestedModel,
    provider: null,
    model: null,
    stream: input.stream,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    usageEstimated: false,
    inputCostMicros: 0n,
    outputCostMicros: 0n,
    costMicros: 0n,
    latencyMs: 0,
    ttftMs: null,
    outcome,
    httpStatus: error.status,
    errorCode: error.code,
    attempts: 0,
    createdAt: new Date(),
  });
}

/**
 * Admits a request: prices its targets (a target without a price is never served unless its
 * provider marks the model free), takes rate-limit quota, and reserves the maximum cost. Throws a
 * GatewayError (429, 402, 503) when the request may not go upstream; nothing is then consumed.
 */
export async function admit(metering: Metering, input: AdmitInput): Promise<MeterTicket> {
  const targets = input.route.targets.filter((target) => priceOf(metering, target) !== undefined);
  if (targets.length === 0) {
    const error = new GatewayError(
      "service_unavailable",
      `The model \`${input.requestedModel}\` has no price on this gateway, so it cannot be billed. An operator must set one.`,
      "model",
    );
    recordRefusal(metering, input, "gateway_error", error);
    throw error;
  }
  const promptForReservation =
    Number((BigInt(input.promptTokens) * PROMPT_MARGIN_NUM) / PROMPT_MARGIN_DEN) + PROMPT_MARGIN_FLAT;
  let reserve = 0n;
  for (const target of targets) {
    const amount = maxCostOf(promptForReservation, input.maxOutputTokens, priceOf(metering, target)!);
    if (amount > reserve) reserve = amount;
  }

  const { identity } = input;
  const rateTokens = input.promptTokens + input.maxOutputTokens;
  const limited = identity.rpmLimit !== null || identity.tpmLimit !== null;
  const reserveNow = (): Promise<Reservation> =>
    metering.credits
      .reserve({
        requestId: input.requestId,
        orgId: identity.orgId,
        keyId: identity.keyId,
        amountMicros: reserve,
        keySpendLimitMicros: identity.spendLimitMicros,
        ttlMs: metering.reservationTtlMs,
      })
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
  // A key with room under its limits asks the limiter and the credit store at once (one round
  // trip); a key near its limit asks one after the other (headroom.ts).
  let reservation =
    reserve > 0n && limited && metering.headroom.has(identity.keyId) ? reserveNow() : undefined;
  let headers: Record<string, string> = {};
  let consumed = false;
  if (limited) {
    let decision: RateLimitDecision | undefined;
    try {
      decision = await metering.limiter.consume(identity.keyId, limitsOf(identity), rateTokens);
    } catch (error) {
      if (!(error instanceof RateLimiterUnavailableError)) {
        await undoReservation(metering, input.requestId, reservation);
        throw error;
      }
      // Fail open: a limiter outage must not stop paid traffic; credits still bound spending.
      metering.log.warn(
        { requestId: input.requestId },
        "rate limiter unavailable; admitting without a limit check",
      );
    }
    metering.headroom.note(identity.keyId, decision, rateTokens);
    if (decision !== undefined) {
      headers = rateLimitHeaders(decision);
      if (!decision.allowed) {
        await undoReservation(metering, input.requestId, reservation);
        const tooBig = identity.tpmLimit !== null && rateTokens > identity.tpmLimit;
        const error = new GatewayError(
          "rate_limit_exceeded",
          tooBig
            ? `This request needs up to ${rateTokens} tokens, more than this key's limit of ${identity.tpmLimit} tokens per minute. Lower max_tokens or raise the limit.`
            : `Rate limit reached for this API key (${identity.rpmLimit ?? "unlimited"} requests/min, ${identity.tpmLimit ?? "unlimited"} tokens/min). Retry after the time in Retry-After.`,
          null,
          headers,
        );
        recordRefusal(metering, input, "rate_limited", error);
        throw error;
      }
      consumed = true;
    }
  }
  const refund = () => {
    if (consumed)
      metering.limiter.adjustTokens(identity.keyId, limitsOf(identity), -rateTokens).catch(() => {});
  };

  if (reserve > 0n) {
    reservation ??= reserveNow();
    const outcome = await reservation;
    if ("error" in outcome) {
      refund();
      if (outcome.error instanceof CreditStoreUnavailableError) {
        const unavailable = new GatewayError(
          "service_unavailable",
          "The gateway cannot check your balance right now. Retry shortly.",
        );
        recordRefusal(metering, input, "gateway_error", unavailable);
        throw unavailable;
      }
      throw outcome.error;
    }
    const { result } = outcome;
    if (!result.ok) {
      refund();
      const error = new GatewayError(
        "insufficient_quota",
        result.reason === "key_spend_limit"
          ? `This API key has reached its spend limit: the request may cost up to ${formatUsd(reserve)} and ${formatUsd(result.availableMicros)} of the key's limit is left.`
          : `You exceeded your current quota: the request may cost up to ${formatUsd(reserve)} and your organization has ${formatUsd(result.availableMicros)} available. Add credits to continue.`,
      );
      recordRefusal(metering, input, "insufficient_quota", error);
      throw error;
    }
  }
  return new MeterTicket(
    metering,
    input,
    { ...input.route, targets },
    reserve,
    consumed ? rateTokens : 0,
    headers,
  );
}

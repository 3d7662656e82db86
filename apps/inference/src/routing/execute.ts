import { UpstreamError, type UpstreamFailureKind } from "../providers/types.ts";
import type { CircuitBreaker } from "./circuit-breaker.ts";
import type { TFallbackOn } from "./config.ts";
import type { ResolvedRoute, RouteTarget } from "./routing-table.ts";

export interface AttemptRecord {
  provider: string;
  model: string;
  outcome: "ok" | "skipped" | UpstreamFailureKind;
  status?: number | undefined;
  ms: number;
}

export interface ExecuteOptions {
  signal: AbortSignal;
  breaker: CircuitBreaker;
  /** Per-attempt timeout when neither the route nor the provider sets one. */
  defaultTimeoutMs: number;
  /** Retries of the same target after a 429 whose Retry-After is short enough. */
  maxRetriesPerTarget?: number;
  /** Longest Retry-After the gateway waits out instead of falling back or failing. */
  maxRetryAfterMs?: number;
}

export interface Executed<T> {
  result: T;
  target: RouteTarget;
  attempts: AttemptRecord[];
}

/** Raised when every target was skipped (open circuits) or failed; carries the last failure. */
export class AllTargetsFailedError extends Error {
  override name = "AllTargetsFailedError";
  constructor(
    readonly attempts: AttemptRecord[],
    readonly last: UpstreamError | undefined,
  ) {
    super(last ? last.message : "every provider for this model is temporarily unavailable");
  }
}

const fallbackClass: Record<UpstreamFailureKind, TFallbackOn | "5xx"> = {
  rate_limit: "rate_limit",
  server: "5xx",
  timeout: "timeout",
  connection: "5xx",
  protocol: "5xx",
  client: "4xx",
  auth: "4xx",
};

/** Failures that say something about the upstream's health (and so feed its circuit). */
const upstreamTrouble = new Set<UpstreamFailureKind>([
  "server",
  "timeout",
  "connection",
  "protocol",
  "rate_limit",
]);

const targetKey = (t: RouteTarget) => `${t.provider.id}/${t.model}`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Tries the route's targets in order. A target with an open circuit is skipped. A failure falls
 * back to the next target when the route's `fallbackOn` covers it; a 429 with a short Retry-After
 * is first retried on the same target (bounded). `attempt` must settle only once nothing has been
 * sent to the client, so falling back is always safe here.
 */
export async function executeRoute<T>(
  route: ResolvedRoute,
  attempt: (target: RouteTarget, timeoutMs: number) => Promise<T>,
  options: ExecuteOptions,
): Promise<Executed<T>> {
  const attempts: AttemptRecord[] = [];
  const maxRetries = options.maxRetriesPerTarget ?? 1;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 2_000;
  let last: UpstreamError | undefined;

  for (const [index, target] of route.targets.entries()) {
    const key = targetKey(target);
    if (!options.breaker.allow(key)) {
      attempts.push({ provider: target.provider.id, model: target.model, outcome: "skipped", ms: 0 });
      continue;
    }
    const timeoutMs = route.timeoutMs ?? target.provider.timeoutMs ?? options.defaultTimeoutMs;
    for (let retry = 0; ; retry++) {
      const started = performance.now();
      try {
        const result = await attempt(target, timeoutMs);
        options.breaker.success(key);
        attempts.push({
          provider: target.provider.id,
          model: target.model,
          outcome: "ok",
          ms: performance.now() - started,
        });
        return { result, target, attempts };
      } catch (error) {
        if (options.signal.aborted || !(error instanceof UpstreamError)) throw error;
        attempts.push({
          provider: target.provider.id,
          model: target.model,
          outcome: error.kind,
          status: error.details.status,
          ms: performance.now() - started,
        });
        last = error;
        const retryAfter = error.details.retryAfterMs;
        if (
          error.kind === "rate_limit" &&
          retry < maxRetries &&
          retryAfter !== undefined &&
          retryAfter <= maxRetryAfterMs
        ) {
          await sleep(retryAfter, options.signal);
          continue;
        }
        if (upstreamTrouble.has(error.kind)) options.breaker.failure(key);
        const more = index < route.targets.length - 1;
        if (more && route.fallbackOn.has(fallbackClass[error.kind] as TFallbackOn)) break;
        throw new AllTargetsFailedError(attempts, error);
      }
    }
  }
  throw new AllTargetsFailedError(attempts, last);
}

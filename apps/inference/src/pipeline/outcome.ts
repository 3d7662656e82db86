// How a request that did not succeed is recorded: its outcome, status and error code, and the target
// it was last tried on.
import type { TErrorCode, TUsageOutcome } from "@gw/contracts";
import { GatewayError, toGatewayError } from "../errors.ts";
import { UpstreamError } from "../providers/types.ts";
import { AllTargetsFailedError } from "../routing/execute.ts";
import type { ResolvedRoute, RouteTarget } from "../routing/routing-table.ts";

/** What the gateway's own refusals (before any upstream call) are recorded as. */
const REFUSALS: Partial<Record<TErrorCode, TUsageOutcome>> = {
  rate_limit_exceeded: "rate_limited",
  insufficient_quota: "insufficient_quota",
  service_unavailable: "gateway_error",
  model_not_priced: "gateway_error",
  internal_error: "gateway_error",
};

/** The nginx convention for a request whose client went away before the response. */
const CLIENT_CLOSED = 499;

export interface Failure {
  outcome: TUsageOutcome;
  httpStatus: number;
  errorCode: string | null;
}

/** The usage outcome of a request that failed with `error` (client gone: cancelled). */
export function failureOf(error: unknown, signal: AbortSignal): Failure {
  if (signal.aborted) return { outcome: "cancelled", httpStatus: CLIENT_CLOSED, errorCode: null };
  const { status, code } = toGatewayError(error);
  return { outcome: outcomeOf(error), httpStatus: status, errorCode: code };
}

function outcomeOf(error: unknown): TUsageOutcome {
  if (error instanceof GatewayError) return REFUSALS[error.code] ?? "client_error";
  const upstream =
    error instanceof AllTargetsFailedError ? error.last : error instanceof UpstreamError ? error : undefined;
  if (upstream !== undefined) {
    if (upstream.kind === "timeout") return "timeout";
    if (upstream.kind === "client") return "client_error";
    return "upstream_error";
  }
  // Every target skipped (open circuits) is the upstreams' trouble; anything else is a gateway bug.
  return error instanceof AllTargetsFailedError ? "upstream_error" : "gateway_error";
}

/** The target a failed request was last tried on, if any. */
export function lastTried(error: unknown, route: ResolvedRoute | undefined): RouteTarget | undefined {
  if (!(error instanceof AllTargetsFailedError) || route === undefined) return undefined;
  const last = error.attempts.at(-1);
  if (last === undefined) return undefined;
  return route.targets.find((t) => t.provider.id === last.provider && t.model === last.model);
}

/** How many upstream attempts a failed request made. */
export function attemptsOf(error: unknown): number {
  return error instanceof AllTargetsFailedError ? error.attempts.length : 0;
}

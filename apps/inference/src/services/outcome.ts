import { toGatewayError } from "../errors.ts";
import type { MeterTicket } from "../metering/meter.ts";
import type { UsageEvent } from "../metering/usage/usage-recorder.ts";
import { UpstreamError } from "../providers/types.ts";
import { AllTargetsFailedError } from "../routing/execute.ts";
import type { ResolvedRoute } from "../routing/routing-table.ts";

/** How a failed request is recorded in its usage record. */
export function outcomeOf(error: unknown, signal: AbortSignal): UsageEvent["outcome"] {
  if (signal.aborted) return "cancelled";
  const upstream =
    error instanceof AllTargetsFailedError ? error.last : error instanceof UpstreamError ? error : undefined;
  if (!upstream) return error instanceof AllTargetsFailedError ? "upstream_error" : "client_error";
  if (upstream.kind === "timeout") return "timeout";
  if (upstream.kind === "client") return "client_error";
  return "upstream_error";
}

/** Settles a request that failed before a response: recorded with the last target tried. */
export function settleFailure(
  ticket: MeterTicket | undefined,
  error: unknown,
  signal: AbortSignal,
  route: ResolvedRoute,
): void {
  if (!ticket) return;
  const failure = toGatewayError(error);
  const attempts = error instanceof AllTargetsFailedError ? error.attempts : [];
  const last = attempts.at(-1);
  ticket.settle({
    outcome: outcomeOf(error, signal),
    httpStatus: failure.status,
    errorCode: failure.code,
    target: last
      ? route.targets.find((t) => t.provider.id === last.provider && t.model === last.model)
      : undefined,
    attempts: attempts.length,
  });
}

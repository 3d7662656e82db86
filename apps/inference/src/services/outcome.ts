import type { UsageEvent } from "../metering/usage-recorder.ts";
import { UpstreamError } from "../providers/types.ts";
import { AllTargetsFailedError } from "../routing/execute.ts";

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

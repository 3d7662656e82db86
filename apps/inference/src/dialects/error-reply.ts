// A GatewayError as each client dialect writes it. OpenAI's envelope is the gateway's own
// (`{"error":{"message","type","param","code"}}`, statuses in @gw/contracts' ERROR_CODES);
// Anthropic's is `{"type":"error","error":{"type","message"}}` with Anthropic's statuses and types,
// so its SDK and Claude Code read the reason and retry what Anthropic would have them retry.
import type { TErrorCode } from "@gw/contracts";
import type { GatewayError } from "../errors.ts";

/** The error envelope a /v1 route answers in. */
export type ErrorDialect = "openai" | "anthropic";

/** Anthropic's error types (docs: "Errors"), with the status each goes with. */
const ANTHROPIC_ERRORS: Record<TErrorCode, { status: number; type: string }> = {
  invalid_request_error: { status: 400, type: "invalid_request_error" },
  invalid_api_key: { status: 401, type: "authentication_error" },
  model_not_allowed: { status: 403, type: "permission_error" },
  model_not_found: { status: 404, type: "not_found_error" },
  not_found: { status: 404, type: "not_found_error" },
  model_not_priced: { status: 403, type: "permission_error" },
  request_too_large: { status: 413, type: "request_too_large" },
  rate_limit_exceeded: { status: 429, type: "rate_limit_error" },
  insufficient_quota: { status: 402, type: "billing_error" },
  upstream_error: { status: 500, type: "api_error" },
  // Every provider overloaded or unavailable: Anthropic's overload, which its clients retry.
  service_unavailable: { status: 529, type: "overloaded_error" },
  timeout: { status: 504, type: "timeout_error" },
  internal_error: { status: 500, type: "api_error" },
};

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

export function anthropicErrorBody(error: GatewayError): AnthropicErrorBody {
  return { type: "error", error: { type: ANTHROPIC_ERRORS[error.code].type, message: error.message } };
}

/** The status and body of `error` in `dialect`. */
export function errorReply(dialect: ErrorDialect, error: GatewayError): { status: number; body: object } {
  if (dialect === "anthropic") {
    return { status: ANTHROPIC_ERRORS[error.code].status, body: anthropicErrorBody(error) };
  }
  return { status: error.status, body: error.envelope() };
}

// The error envelope every /v1 response uses on failure, and the gateway's error codes.
// OpenAI SDKs pick their exception class from the HTTP status and show `error.message`;
// `type` and `code` let callers branch without parsing messages.
import { z } from "zod";

/**
 * `{"error": {"message", "type", "param", "code"}}`. Type and code are plain strings here so
 * that envelopes relayed from an upstream parse too; the gateway's own are in `ERROR_CODES`.
 */
export const ZErrorEnvelope = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    /** The request field at fault, e.g. "messages.[1].role"; null when no single field is. */
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type TErrorEnvelope = z.infer<typeof ZErrorEnvelope>;

export const ZErrorType = z.enum([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "rate_limit_error",
  "insufficient_quota",
  "server_error",
]);
export type TErrorType = z.infer<typeof ZErrorType>;
/** `ErrorType.rate_limit_error === "rate_limit_error"`. */
export const ErrorType = ZErrorType.enum;

export const ZErrorCode = z.enum([
  "invalid_request_error",
  "invalid_api_key",
  "model_not_allowed",
  "model_not_found",
  "not_found",
  "model_not_priced",
  "request_too_large",
  "rate_limit_exceeded",
  "insufficient_quota",
  "upstream_error",
  "service_unavailable",
  "timeout",
  "internal_error",
]);
export type TErrorCode = z.infer<typeof ZErrorCode>;
/** `ErrorCode.invalid_api_key === "invalid_api_key"`. */
export const ErrorCode = ZErrorCode.enum;

export interface ErrorCodeInfo {
  readonly status: number;
  readonly type: TErrorType;
}

/** Each gateway error code's HTTP status and envelope `type`: the one place they are decided. */
export const ERROR_CODES = {
  /** Malformed JSON or a field that fails validation (`param` names it). */
  invalid_request_error: { status: 400, type: "invalid_request_error" },
  /** Missing, unknown, revoked or expired API key. */
  invalid_api_key: { status: 401, type: "authentication_error" },
  /** The key or its organization may not use this model. */
  model_not_allowed: { status: 403, type: "permission_error" },
  /** No model or alias by that name. */
  model_not_found: { status: 404, type: "not_found_error" },
  /** Something the request names that is not the model (a stored response, an item) does not exist. */
  not_found: { status: 404, type: "invalid_request_error" },
  /** The model is served but has no price, so it cannot be billed: an operator must set one. */
  model_not_priced: { status: 403, type: "permission_error" },
  /** The body is over the size limit. */
  request_too_large: { status: 413, type: "invalid_request_error" },
  /** Requests or tokens per minute exceeded; the response carries `Retry-After`. */
  rate_limit_exceeded: { status: 429, type: "rate_limit_error" },
  /** Not enough credit, or the key's spend limit, for the request's maximum cost. */
  insufficient_quota: { status: 402, type: "insufficient_quota" },
  /** Every upstream target failed. */
  upstream_error: { status: 502, type: "server_error" },
  /** The gateway cannot serve now (starting, stopping, a dependency down). */
  service_unavailable: { status: 503, type: "server_error" },
  /** No upstream answered within the deadline. */
  timeout: { status: 504, type: "server_error" },
  /** A bug; the message never carries the underlying error's. */
  internal_error: { status: 500, type: "server_error" },
} as const satisfies Record<TErrorCode, ErrorCodeInfo>;

/**
 * The status and body for one of the gateway's errors. `param` is the field at fault, written
 * as `paramFromPath` writes it, or null.
 */
export function errorResponse(
  code: TErrorCode,
  message: string,
  param: string | null = null,
): { status: number; body: TErrorEnvelope } {
  const { status, type } = ERROR_CODES[code];
  return { status, body: { error: { message, type, param, code } } };
}

/**
 * A zod issue path as the envelope's `param`, in OpenAI's notation:
 * ["messages", 1, "role"] -> "messages.[1].role"; [] -> null.
 */
export function paramFromPath(path: ReadonlyArray<PropertyKey>): string | null {
  if (path.length === 0) return null;
  return path.map((key) => (typeof key === "number" ? `[${key}]` : String(key))).join(".");
}

type Issue = z.core.$ZodIssue;

/**
 * The field at fault and what is wrong with it, from a failed request validation, for a 400
 * envelope. Takes the first issue; where it is a union's ("Invalid input" on `content`, which
 * may be a string or an array of parts), follows the one branch that the input evidently meant
 * (the array, when an array was sent), so `param` names the innermost field:
 * "messages.[0].content.[1].image_url.detail" rather than "messages.[0].content".
 */
export function describeValidationError(error: { readonly issues: readonly Issue[] }): {
  param: string | null;
  message: string;
} {
  const issue = error.issues[0];
  if (!issue) return { param: null, message: "Invalid request body" };
  const { path, message } = innermostIssue(issue, []);
  const param = paramFromPath(path);
  return { param, message: param === null ? message : `Invalid '${param}': ${message}` };
}

/** `errorResponse("invalid_request_error", ...)` for a failed request validation. */
export function validationErrorResponse(error: { readonly issues: readonly Issue[] }) {
  const { param, message } = describeValidationError(error);
  return errorResponse("invalid_request_error", message, param);
}

function innermostIssue(issue: Issue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    const first = intendedBranch(issue.errors)?.[0];
    if (first) return innermostIssue(first, path);
  }
  return { path, message: issue.message };
}

/**
 * The union branch the input was meant for: drop branches that refused the input's JSON type
 * outright, then (if still ambiguous) those that refused it as a whole value (an enum of
 * strings shown an object). Undefined unless exactly one branch is left.
 */
function intendedBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const refusedWhole = (code: Issue["code"]) => (branch: readonly Issue[]) =>
    branch.length === 1 && branch[0]?.code === code && branch[0].path.length === 0;
  let candidates = branches.filter((branch) => !refusedWhole("invalid_type")(branch));
  if (candidates.length > 1)
    candidates = candidates.filter((branch) => !refusedWhole("invalid_value")(branch));
  return candidates.length === 1 ? candidates[0] : undefined;
}

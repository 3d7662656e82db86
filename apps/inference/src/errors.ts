// The one error type of the /v1 surface, and how every failure becomes an OpenAI envelope.
import { describeValidationError, errorResponse, type TErrorCode, type TErrorEnvelope } from "@gw/contracts";
import type { ZodError } from "zod";
import { UpstreamError } from "./providers/types.ts";
import { AllTargetsFailedError } from "./routing/execute.ts";

export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly code: TErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get status(): number {
    return errorResponse(this.code, this.message).status;
  }

  envelope(): TErrorEnvelope {
    return errorResponse(this.code, this.message, this.param).body;
  }
}

export function invalidRequest(error: ZodError): GatewayError {
  const { param, message } = describeValidationError(error);
  return new GatewayError("invalid_request_error", message, param);
}

/** What the client sees when upstreams failed: the gateway's words, never a raw upstream body. */
export function fromUpstreamFailure(error: AllTargetsFailedError | UpstreamError): GatewayError {
  const last = error instanceof UpstreamError ? error : error.last;
  if (!last) {
    return new GatewayError(
      "service_unavailable",
      "Every provider for this model is temporarily unavailable. Retry shortly.",
    );
  }
  const { provider, status, retryAfterMs, param, upstreamCode } = last.details;
  switch (last.kind) {
    case "rate_limit": {
      const headers: Record<string, string> =
        retryAfterMs === undefined
          ? {}
          : { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
      return new GatewayError(
        "rate_limit_exceeded",
        `The upstream provider (${provider}) is rate limiting requests. Retry later.`,
        null,
        headers,
      );
    }
    case "timeout":
      return new GatewayError("timeout", `The upstream provider (${provider}) did not answer in time.`);
    case "client":
      if (status === 404) return new GatewayError("model_not_found", last.message, param ?? "model");
      return new GatewayError("invalid_request_error", last.message, param ?? null);
    case "auth":
      return new GatewayError(
        "upstream_error",
        `The gateway's credentials for ${provider} were refused by the provider.`,
      );
    case "server":
      // An overload in a stream's error event has no status of its own, only Anthropic's type.
      if (status === 503 || status === 529 || upstreamCode === "overloaded_error") {
        return new GatewayError(
          "service_unavailable",
          `The upstream provider (${provider}) is overloaded. Retry shortly.`,
        );
      }
      return new GatewayError(
        "upstream_error",
        `The upstream provider (${provider}) failed (HTTP ${status ?? "error"}).`,
      );
    case "connection":
      return new GatewayError("upstream_error", `Could not reach the upstream provider (${provider}).`);
    default:
      return new GatewayError(
        "upstream_error",
        `The upstream provider (${provider}) sent a response the gateway could not read.`,
      );
  }
}

/** Any thrown value as a GatewayError; unknown errors keep their message private. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof AllTargetsFailedError || error instanceof UpstreamError)
    return fromUpstreamFailure(error);
  const fastify = error as { code?: string; statusCode?: number; message?: string };
  switch (fastify.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new GatewayError("request_too_large", "The request body is too large.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new GatewayError(
        "invalid_request_error",
        "Send the request body as JSON with Content-Type: application/json.",
      );
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new GatewayError("invalid_request_error", "The Content-Length header does not match the body.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new GatewayError("invalid_request_error", "The request body is empty; send a JSON object.");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new GatewayError("invalid_request_error", "We could not parse the JSON body of your request.");
  }
  if (error instanceof SyntaxError && fastify.statusCode === 400) {
    return new GatewayError("invalid_request_error", "We could not parse the JSON body of your request.");
  }
  return new GatewayError("internal_error", "The gateway hit an internal error. It has been logged.");
}

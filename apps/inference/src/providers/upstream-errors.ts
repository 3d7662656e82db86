// Turns whatever an official SDK (the provider kinds' SDKs, all Stainless-generated: kinds.ts) or
// the fetch underneath it throws into the gateway's UpstreamError, worded by the gateway. User
// aborts are not failures of the upstream: they stay aborts (see isAbortError / settleUpstreamFailure).
import { APIUserAbortError } from "openai";
import { kinds, type SdkApiError, type SdkErrorClasses } from "./kinds.ts";
import { UpstreamError, type UpstreamFailureKind } from "./types.ts";

type HeaderSource = Headers | Record<string, string | string[] | undefined> | null | undefined;

const MAX_MESSAGE_CHARS = 300;
const TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;
const PARAM = /^[A-Za-z0-9_.:[\]-]{1,128}$/;

/**
 * `error` when it is an instance of the class `name` of any provider kind's SDK, else undefined. A
 * lazily loaded SDK that is not loaded yet is skipped: nothing can have thrown its errors.
 */
function sdkError<K extends keyof SdkErrorClasses>(
  error: unknown,
  name: K,
): InstanceType<SdkErrorClasses[K]> | undefined {
  for (const kind of Object.values(kinds)) {
    const sdk = kind.sdkErrors();
    if (sdk && error instanceof sdk[name]) return error as InstanceType<SdkErrorClasses[K]>;
  }
  return undefined;
}

/** True for a cancellation by the gateway's own caller (client disconnect), never for a timeout. */
export function isAbortError(error: unknown): boolean {
  if (sdkError(error, "APIUserAbortError")) return true;
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

/**
 * What an adapter throws for a failed call: the abort itself when the caller cancelled (the error
 * was an abort, or `signal` is aborted, since an SDK can surface a cancelled read as anything),
 * otherwise an UpstreamError.
 */
export function settleUpstreamFailure(provider: string, error: unknown, signal?: AbortSignal): unknown {
  if (error instanceof UpstreamError) return error;
  if (isAbortError(error)) return error;
  if (signal?.aborted) return new APIUserAbortError();
  return toUpstreamError(provider, error);
}

/** Milliseconds to wait from `retry-after-ms`, or `retry-after` (seconds or an HTTP date). */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = Number.parseFloat(header(headers, "retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = header(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number.parseFloat(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function toUpstreamError(provider: string, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (isAbortError(error)) {
    return new UpstreamError("connection", `request to ${provider} was cancelled`, {
      provider,
      cause: error,
    });
  }
  if (sdkError(error, "APIConnectionTimeoutError")) return timeout(provider, error);
  const connectionError = sdkError(error, "APIConnectionError");
  if (connectionError) {
    return transportKind(connectionError.cause) === "timeout"
      ? timeout(provider, error)
      : connection(provider, error);
  }
  const apiError = sdkError(error, "APIError");
  if (apiError) return fromApiError(provider, apiError);
  const transport = transportKind(error);
  if (transport === "timeout") return timeout(provider, error);
  if (transport === "connection") return connection(provider, error);
  return new UpstreamError("protocol", `${provider} sent a response the gateway could not read`, {
    provider,
    cause: error,
  });
}

function fromApiError(provider: string, error: SdkApiError): UpstreamError {
  const body = errorBody(error);
  const upstreamCode = token(body.code) ?? token(body.type);
  const status = error.status;
  if (status === undefined) {
    // An error event inside an already accepted stream: no status, only the upstream's error type.
    const kind = kindFromType(body.type ?? body.code);
    const message =
      kind === "client" && body.message
        ? `${provider} rejected the request mid-stream: ${sanitizeUpstreamMessage(body.message)}`
        : `${provider} reported an error mid-stream`;
    return new UpstreamError(kind, message, { provider, upstreamCode, cause: error });
  }
  const details = { provider, status, upstreamCode, cause: error };
  if (status === 429) {
    return new UpstreamError("rate_limit", `${provider} returned 429`, {
      ...details,
      retryAfterMs: parseRetryAfter(error.headers),
    });
  }
  if (status >= 500 && status <= 599) {
    return new UpstreamError("server", `${provider} returned ${status}`, {
      ...details,
      retryAfterMs: parseRetryAfter(error.headers),
    });
  }
  if (status === 401 || status === 403)
    return new UpstreamError("auth", `${provider} returned ${status}`, details);
  // 408: the upstream gave up waiting on us; the same request may well succeed elsewhere.
  if (status === 408) return new UpstreamError("timeout", `${provider} returned 408`, details);
  if (status >= 400 && status <= 499) {
    const text = body.message ? sanitizeUpstreamMessage(body.message) : "";
    return new UpstreamError(
      "client",
      text ? `${provider} returned ${status}: ${text}` : `${provider} returned ${status}`,
      {
        ...details,
        param: typeof body.param === "string" && PARAM.test(body.param) ? body.param : undefined,
      },
    );
  }
  return new UpstreamError("protocol", `${provider} returned unexpected status ${status}`, details);
}

interface ErrorBody {
  message?: string | undefined;
  type?: unknown;
  code?: unknown;
  param?: unknown;
}

/** OpenAI's SDK keeps the inner `{message,type,param,code}`; Anthropic's keeps `{type:"error",error:{...}}`. */
function errorBody(error: { error?: unknown }): ErrorBody {
  const raw = error.error;
  if (typeof raw === "string") return { message: raw };
  if (!isRecord(raw)) return {};
  const inner = isRecord(raw.error)
    ? raw.error
    : typeof raw.error === "string"
      ? { message: raw.error }
      : raw;
  const message = inner.message ?? inner.detail;
  return {
    message: typeof message === "string" ? message : undefined,
    // A Responses API error event as published (`{"type":"error","code",...}`) names no error
    // type: its code says what went wrong.
    type: inner.type === "error" ? undefined : inner.type,
    code: inner.code ?? (isRecord(inner.details) ? inner.details.error_code : undefined),
    param: inner.param,
  };
}

function kindFromType(type: unknown): UpstreamFailureKind {
  const value = typeof type === "string" ? type : "";
  if (/rate_limit|too_many_requests/.test(value)) return "rate_limit";
  if (/authentication|permission|invalid_api_key/.test(value)) return "auth";
  if (/invalid_request|not_found|request_too_large|bad_request/.test(value)) return "client";
  return "server";
}

/** One line, at most ~300 characters, with anything that looks like a credential replaced. */
export function sanitizeUpstreamMessage(message: string): string {
  const clean = message
    .replace(/[\p{Cc}\s]+/gu, " ")
    .replace(/\bBearer\s+\S+/gi, "Bearer [redacted]")
    .replace(/\b(?:sk|pk|rk|gsk|hf|xai|key|sess)[-_][A-Za-z0-9_\-*.]{6,}/g, "[redacted]")
    .replace(/\b((?:api[-_]?key|token|secret|password)["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi, "$1[redacted]")
    .replace(/[A-Za-z0-9+/=]{32,}/g, "[redacted]")
    .trim();
  return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS - 1).trimEnd()}…` : clean;
}

const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** Recognizes Node/undici transport failures ("fetch failed", "terminated", socket codes) along the cause chain. */
function transportKind(error: unknown): "timeout" | "connection" | undefined {
  let current: unknown = error;
  let sawFetchFailure = false;
  for (let depth = 0; depth < 5 && isRecord(current); depth++) {
    const code = typeof current.code === "string" ? current.code : undefined;
    if (code && TIMEOUT_CODES.has(code)) return "timeout";
    if (code && CONNECTION_CODES.has(code)) return "connection";
    if (current instanceof TypeError && /^(fetch failed|terminated)$/.test(current.message))
      sawFetchFailure = true;
    current = current.cause;
  }
  return sawFetchFailure ? "connection" : undefined;
}

function timeout(provider: string, cause: unknown): UpstreamError {
  return new UpstreamError("timeout", `${provider} did not answer in time`, { provider, cause });
}

function connection(provider: string, cause: unknown): UpstreamError {
  return new UpstreamError("connection", `connection to ${provider} failed`, { provider, cause });
}

function token(value: unknown): string | undefined {
  return typeof value === "string" && TOKEN.test(value) ? value : undefined;
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

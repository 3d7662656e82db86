// A mock OpenAI-compatible upstream on node:http (loopback, random port) speaking OpenAI's real wire
// format; also the benchmarks' upstream, so the default path adds no delay and reuses serialized
// chunks.
//
// Behaviours: `setBehavior(b)` with a MockBehavior object for every following request, or a function
// of the recorded request returning one (or undefined for the default). `startMockOpenAI({ behavior })`
// sets the initial one; `setBehavior(undefined)` restores the default. Examples:
//   { status: 500 }                            OpenAI's error body for that status ({ error } overrides fields)
//   { status: 429, retryAfter: "2" }           rate limit with Retry-After (any header: `headers`)
//   { headersDelayMs: 500 }                    slow upstream: nothing is sent before the delay
//   { chunkDelayMs: 50 }                       delay before every SSE frame after the first
//   { resetAfterChunks: 2 }                    destroy the socket after 2 SSE frames (the role frame
//                                              counts); on a non-stream request: without answering
//   { streamErrorAfterChunks: 2, error }       an in-stream `data: {"error":...}` event, then the end
//   { chunks: 20 }                             number of content deltas (default 6)
//   { echo: true }                             the received body, as JSON, is the reply's content
//                                              (and, non-stream, also a top-level `echo` field)
//   { usage: { cachedTokens, reasoningTokens } } usage details to report
//   { usage: { promptTokens, completionTokens } } usage to report instead of the counted one
//   { usage: { omit: true } }                  no usage at all (non-stream field and stream chunk)
// Chat and legacy completions honour `n` (n choices; completion tokens counted for each, and for
// `best_of` of them on legacy completions, as OpenAI bills).
// When a chat request has `tools` (and tool_choice is not "none") the reply is a tool call, two in
// parallel when two or more tools are offered. Every request settles `RecordedRequest.done` with
// "completed", "client_closed" (the client closed the socket first) or "reset" (resetAfterChunks).
//
// Routes: POST /v1/chat/completions, /v1/completions, /v1/embeddings, GET /v1/models, and OpenAI's
// Responses API, POST /v1/responses and /v1/responses/input_tokens (mock-openai-responses.ts: as
// strict as the real API, 400 for unknown parameters, unknown ids and the like; function_call items
// for function tools; `max_output_tokens` cuts the text, status "incomplete"). Every behaviour above
// applies to it too; there each SSE event is a chunk, and streamErrorAfterChunks sends its `error`
// event.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  chatChunkFrames,
  chatCompletion,
  chatUsageFrame,
  completionFrames,
  contentPieces,
  countTokens,
  embeddingsResponse,
  errorBody,
  type MockErrorBody,
  makeUsage,
  modelsResponse,
  SSE_DONE,
  sse,
  textCompletion,
  toolCallsFor,
} from "./mock-openai-payloads.ts";
import { responsesReply } from "./mock-openai-responses.ts";

/** A chat request's output cap (max_completion_tokens or max_tokens), if it has one. */
function chatCap(body: Record<string, unknown>): number | undefined {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  return typeof cap === "number" && cap > 0 ? cap : undefined;
}

export interface MockBehavior {
  status?: number;
  error?: Partial<MockErrorBody>;
  retryAfter?: string;
  headers?: Record<string, string>;
  headersDelayMs?: number;
  chunkDelayMs?: number;
  resetAfterChunks?: number;
  streamErrorAfterChunks?: number;
  chunks?: number;
  echo?: boolean;
  usage?: {
    cachedTokens?: number;
    reasoningTokens?: number;
    promptTokens?: number;
    completionTokens?: number;
    omit?: boolean;
  };
}

export type RequestOutcome = "completed" | "client_closed" | "reset";

export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. "/v1/chat/completions". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON object body ({} when there was none or it was not a JSON object). */
  body: Record<string, unknown>;
  rawBody: string;
  /** Settles when the exchange ends: how the socket/response ended. */
  done: Promise<RequestOutcome>;
}

export type BehaviorSetting =
  | MockBehavior
  | ((request: RecordedRequest) => MockBehavior | undefined)
  | undefined;

export interface MockOpenAIOptions {
  behavior?: BehaviorSetting;
  /** Ids for GET /v1/models. */
  models?: string[];
  /** Keep requests in `requests` (default true; benchmarks turn it off). */
  record?: boolean;
}

export interface MockOpenAI {
  /** Base URL ending in /v1. */
  url: string;
  requests: RecordedRequest[];
  setBehavior(behavior: BehaviorSetting): void;
  /** How many exchanges ended because the client closed the connection first. */
  readonly clientClosed: number;
  close(): Promise<void>;
}

const DEFAULT_MODELS = ["gpt-4o-mini", "gpt-3.5-turbo-instruct", "text-embedding-3-small"];
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-request-id": "req_mock",
};
const frameCache = new Map<string, string[]>();

export async function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockOpenAI> {
  let behavior: BehaviorSetting = options.behavior;
  let clientClosed = 0;
  const requests: RecordedRequest[] = [];
  const models = options.models ?? DEFAULT_MODELS;

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      let body: Record<string, unknown> = {};
      try {
        const parsed: unknown = text ? JSON.parse(text) : {};
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
          body = parsed as typeof body;
      } catch {}
      let reset = false;
      let settle: (outcome: RequestOutcome) => void = () => {};
      const done = new Promise<RequestOutcome>((resolve) => {
        settle = resolve;
      });
      res.on("close", () => {
        const outcome = reset ? "reset" : res.writableFinished ? "completed" : "client_closed";
        if (outcome === "client_closed") clientClosed++;
        settle(outcome);
      });
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        rawBody: text,
        done,
      };
      if (options.record !== false) requests.push(recorded);
      const chosen = (typeof behavior === "function" ? behavior(recorded) : behavior) ?? {};
      const resetSocket = () => {
        reset = true;
        res.socket?.destroy();
      };
      handle(recorded, chosen, models, res, resetSocket).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    setBehavior(next) {
      behavior = next;
    },
    get clientClosed() {
      return clientClosed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  request: RecordedRequest,
  behavior: MockBehavior,
  models: string[],
  res: ServerResponse,
  resetSocket: () => void,
): Promise<void> {
  if (behavior.headersDelayMs) await pause(behavior.headersDelayMs, res);
  if (res.destroyed) return;
  const { body } = request;
  const extraHeaders = {
    ...behavior.headers,
    ...(behavior.retryAfter ? { "retry-after": behavior.retryAfter } : {}),
  };
  if (behavior.status !== undefined && behavior.status >= 400) {
    return json(res, behavior.status, errorBody(behavior.status, body.model, behavior.error), extraHeaders);
  }
  const route = `${request.method} ${request.path.split("?")[0]}`;
  const stream = body.stream === true;
  if (!stream && behavior.resetAfterChunks !== undefined && route.startsWith("POST")) return resetSocket();
  const echo = behavior.echo ? JSON.stringify(request.body) : undefined;
  const pieces = echo === undefined ? contentPieces(behavior.chunks ?? 6) : [echo];
  if (route === "POST /v1/responses" || route === "POST /v1/responses/input_tokens") {
    const reply = responsesReply(body, pieces, echo, behavior, route.endsWith("/input_tokens"));
    if (reply.frames === undefined) return json(res, reply.status, reply.payload, extraHeaders);
    return writeStream(res, reply.frames, behavior, extraHeaders, resetSocket, reply.errorFrame);
  }
  // Chat is cut at its token cap, as OpenAI cuts it (each piece is one token here): finish "length".
  const cap = route === "POST /v1/chat/completions" ? chatCap(body) : undefined;
  const finish = cap !== undefined && pieces.length > cap ? "length" : "stop";
  if (finish === "length") pieces.length = cap!;
  const n = typeof body.n === "number" ? body.n : 1;
  const generated = Math.max(n, typeof body.best_of === "number" ? body.best_of : 1);
  const usage = behavior.usage?.omit
    ? undefined
    : makeUsage(
        behavior.usage?.promptTokens ?? promptTokens(body),
        behavior.usage?.completionTokens ??
          (echo === undefined ? pieces.length : countTokens(echo)) * generated,
        behavior.usage?.cachedTokens,
        behavior.usage?.reasoningTokens,
      );
  const echoField = echo === undefined ? {} : { echo: request.body };
  const model = String(body.model ?? "unknown");
  const streamOptions = body.stream_options as { include_usage?: unknown } | null | undefined;
  const includeUsage = streamOptions?.include_usage === true;

  switch (route) {
    case "POST /v1/chat/completions": {
      const toolCalls = toolCallsFor(body);
      if (!stream)
        return json(
          res,
          200,
          { ...chatCompletion(model, pieces.join(""), toolCalls, usage, n, finish), ...echoField },
          extraHeaders,
        );
      const key = `${model}\u0000${pieces.length}\u0000${includeUsage}\u0000${n}\u0000${finish}`;
      let frames = echo === undefined && toolCalls.length === 0 ? frameCache.get(key) : undefined;
      if (!frames) {
        frames = chatChunkFrames(model, pieces, toolCalls, includeUsage, n, finish);
        if (echo === undefined && toolCalls.length === 0 && frameCache.size < 256)
          frameCache.set(key, frames);
      }
      const tail = includeUsage && usage ? [chatUsageFrame(model, usage), SSE_DONE] : [SSE_DONE];
      return writeStream(res, [...frames, ...tail], behavior, extraHeaders, resetSocket);
    }
    case "POST /v1/completions": {
      const text = pieces.join("");
      if (!stream)
        return json(res, 200, { ...textCompletion(model, text, usage, n), ...echoField }, extraHeaders);
      const frames = completionFrames(model, pieces, includeUsage ? usage : undefined);
      return writeStream(res, [...frames, SSE_DONE], behavior, extraHeaders, resetSocket);
    }
    case "POST /v1/embeddings":
      return json(
        res,
        200,
        { ...embeddingsResponse(body, !behavior.usage?.omit), ...echoField },
        extraHeaders,
      );
    case "GET /v1/models":
      return json(res, 200, modelsResponse(models), extraHeaders);
    default:
      return json(res, 404, {
        error: { message: `Invalid URL (${route})`, type: "invalid_request_error", param: null, code: null },
      });
  }
}

async function writeStream(
  res: ServerResponse,
  frames: string[],
  behavior: MockBehavior,
  headers: Record<string, string>,
  resetSocket: () => void,
  /** The in-stream error event sent at frame `index` (default: chat's `data: {"error":...}`). */
  errorFrame?: (index: number) => string,
): Promise<void> {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  const { chunkDelayMs, resetAfterChunks, streamErrorAfterChunks } = behavior;
  if (!chunkDelayMs && resetAfterChunks === undefined && streamErrorAfterChunks === undefined) {
    res.end(frames.join(""));
    return;
  }
  res.flushHeaders();
  let flushed: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < frames.length; i++) {
    if (i === resetAfterChunks) {
      // Let the frames reach the client first: a reset *after* N chunks, not instead of them.
      await flushed;
      return resetSocket();
    }
    if (i === streamErrorAfterChunks) {
      res.end(errorFrame ? errorFrame(i) : sse(errorBody(500, undefined, behavior.error)));
      return;
    }
    if (chunkDelayMs && i > 0) await pause(chunkDelayMs, res);
    if (res.destroyed) return;
    flushed = new Promise((resolve) => res.write(frames[i] as string, resolve));
  }
  res.end();
}

function json(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-request-id": "req_mock",
    ...headers,
  });
  res.end(text);
}

/** Waits `ms`, or less if the response closes meanwhile (a client that went away). */
function pause(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on("close", done);
  });
}

function promptTokens(body: Record<string, unknown>): number {
  const source = body.messages ?? body.prompt ?? body.input ?? "";
  return countTokens(typeof source === "string" ? source : JSON.stringify(source));
}

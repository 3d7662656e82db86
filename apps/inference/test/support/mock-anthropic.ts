// A mock Anthropic upstream on node:http (loopback, random port) speaking the real Messages wire
// format: POST /v1/messages (Message JSON, or SSE with named events), POST /v1/messages/count_tokens
// and GET /v1/models (paged).
// Like the real API under anthropic-version 2026-10-21 it answers 400 to temperature/top_p/top_k,
// and 401 without credentials (x-api-key or Authorization: Bearer).
//
// Behaviours: `setBehavior(b)` with a MockAnthropicBehavior for every following request, or a
// function of the recorded request returning one (undefined = default); `setBehavior(undefined)`
// restores the default. Examples:
//   { status: 529 }                         Anthropic's error body: overloaded_error "Overloaded"
//   { status: 400, errorMessage: "..." }    invalid_request_error (errorType overrides the type)
//   { status: 429, retryAfter: "2" }        rate_limit_error with a retry-after header
//   { headersDelayMs: 500 }                 nothing is sent before the delay
//   { eventDelayMs: 20 }                    delay before every SSE event after the first
//   { resetAfterEvents: 3 }                 destroy the socket after 3 SSE events; on a non-stream
//                                           request: without answering
//   { streamErrorAfterEvents: 3 }           `event: error` (overloaded_error unless errorType) after
//                                           3 events, then the end of the response
//   { stallAfterEvents: 2 }                 2 events, then silence until the client goes away
//   { endAfterEvents: 5 }                   5 events, then an orderly end without message_stop
//   { echo: true }                          the answer's text is the received body as JSON
//   { text: "..." } / { toolUses: [...] }   the answer's content
//   { usage: { cacheRead, cacheCreation } } cache tokens to report
// With `tools` in the request (and tool_choice not "none") the answer is a short text block and
// tool_use blocks: the named tool for tool_choice {type:"tool"}, otherwise the first two tools in
// parallel when two or more are offered and parallel use is not disabled, else the first tool.
// Every request settles `done` with "completed", "client_closed" (the client closed the socket
// first: e.g. an aborted stream) or "reset" (resetAfterEvents).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  countTokens,
  errorBody,
  type MockAnswer,
  type MockBlock,
  type MockToolUse,
  messageJson,
  modelsPage,
  sampleInput,
  sse,
  streamFrames,
} from "./mock-anthropic-payloads.ts";

export interface MockAnthropicBehavior {
  status?: number;
  errorType?: string;
  errorMessage?: string;
  retryAfter?: string;
  headers?: Record<string, string>;
  headersDelayMs?: number;
  eventDelayMs?: number;
  resetAfterEvents?: number;
  streamErrorAfterEvents?: number;
  stallAfterEvents?: number;
  endAfterEvents?: number;
  echo?: boolean;
  text?: string;
  toolUses?: MockToolUse[];
  stopReason?: string;
  usage?: { cacheRead?: number; cacheCreation?: number };
}

export type RequestOutcome = "completed" | "client_closed" | "reset";

export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. "/v1/messages". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON object body ({} when there was none or it was not a JSON object). */
  body: Record<string, unknown>;
  /** Settles when the exchange ends: how the socket/response ended. */
  done: Promise<RequestOutcome>;
}

export type AnthropicBehaviorSetting =
  | MockAnthropicBehavior
  | ((request: RecordedRequest) => MockAnthropicBehavior | undefined)
  | undefined;

export interface MockAnthropicOptions {
  behavior?: AnthropicBehaviorSetting;
  /** Ids for GET /v1/models. */
  models?: string[];
  /** Page size cap for GET /v1/models (default 2, so listing takes several pages). */
  modelsPageSize?: number;
}

export interface MockAnthropic {
  /** Base URL without /v1, as the Anthropic SDK wants it. */
  url: string;
  requests: RecordedRequest[];
  setBehavior(behavior: AnthropicBehaviorSetting): void;
  /** How many exchanges ended because the client closed the connection first. */
  readonly clientClosed: number;
  close(): Promise<void>;
}

export const DEFAULT_TEXT = "Hello from the mock Claude, streaming in words.";
const DEFAULT_MODELS = ["claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"];
const REMOVED_SAMPLING = ["temperature", "top_p", "top_k"];

export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  let behavior: AnthropicBehaviorSetting = options.behavior;
  let clientClosed = 0;
  let counter = 0;
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
        done,
      };
      requests.push(recorded);
      const chosen = (typeof behavior === "function" ? behavior(recorded) : behavior) ?? {};
      const resetSocket = () => {
        reset = true;
        // A TCP reset (RST), not an orderly close: the client sees ECONNRESET.
        res.socket?.resetAndDestroy();
      };
      counter++;
      handle(recorded, chosen, res, resetSocket, counter, models, options.modelsPageSize ?? 2).catch(() =>
        res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
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
  behavior: MockAnthropicBehavior,
  res: ServerResponse,
  resetSocket: () => void,
  n: number,
  models: string[],
  pageSize: number,
): Promise<void> {
  if (behavior.headersDelayMs) await pause(behavior.headersDelayMs, res);
  if (res.destroyed) return;
  const headers = {
    ...behavior.headers,
    ...(behavior.retryAfter ? { "retry-after": behavior.retryAfter } : {}),
  };
  if (behavior.status !== undefined && behavior.status >= 400) {
    return json(
      res,
      behavior.status,
      errorBody(behavior.status, behavior.errorType, behavior.errorMessage),
      headers,
    );
  }
  const authorized = request.headers["x-api-key"] || /^Bearer \S+/.test(request.headers.authorization ?? "");
  if (!authorized) return json(res, 401, errorBody(401));
  const [pathname = "", query = ""] = request.path.split("?");
  const route = `${request.method} ${pathname}`;
  if (route === "GET /v1/models")
    return json(res, 200, modelsPage(models, new URLSearchParams(query), pageSize));
  const { body } = request;
  if (route === "POST /v1/messages/count_tokens") {
    if (typeof body.model !== "string")
      return json(res, 400, errorBody(400, undefined, "model: Field required"));
    return json(res, 200, { input_tokens: inputTokensOf(body) }, headers);
  }
  if (route !== "POST /v1/messages") return json(res, 404, errorBody(404, undefined, `Not found: ${route}`));

  const version = String(request.headers["anthropic-version"] ?? "");
  const refused = REMOVED_SAMPLING.find((field) => field in body);
  if (version >= "2026-10-21" && refused) {
    return json(res, 400, errorBody(400, undefined, `${refused}: Extra inputs are not permitted`));
  }
  if (typeof body.max_tokens !== "number") {
    return json(res, 400, errorBody(400, undefined, "max_tokens: Field required"));
  }
  const answer = answerFor(body, behavior, n);
  if (body.stream !== true) {
    if (behavior.resetAfterEvents !== undefined) return resetSocket();
    return json(res, 200, messageJson(answer), headers);
  }
  return writeStream(res, streamFrames(answer), behavior, headers, resetSocket);
}

function answerFor(body: Record<string, unknown>, behavior: MockAnthropicBehavior, n: number): MockAnswer {
  const tools = Array.isArray(body.tools)
    ? (body.tools as Array<{ name: string; input_schema?: unknown }>)
    : [];
  const choice = (body.tool_choice ?? {}) as {
    type?: string;
    name?: string;
    disable_parallel_tool_use?: boolean;
  };
  let uses = behavior.toolUses;
  if (!uses && tools.length > 0 && choice.type !== "none") {
    const chosen =
      choice.type === "tool"
        ? tools.filter((tool) => tool.name === choice.name)
        : tools.slice(0, choice.disable_parallel_tool_use ? 1 : 2);
    uses = chosen.map((tool) => ({ name: tool.name, input: sampleInput(tool.input_schema) }));
  }
  const blocks: MockBlock[] = [];
  if (uses && uses.length > 0) {
    blocks.push({ type: "text", text: behavior.text ?? "Let me look that up." });
    for (const [k, use] of uses.entries())
      blocks.push({ type: "tool_use", id: `toolu_mock${n}_${k}`, ...use });
  } else {
    blocks.push({
      type: "text",
      text: behavior.echo ? JSON.stringify(body) : (behavior.text ?? DEFAULT_TEXT),
    });
  }
  const output = blocks.reduce(
    (sum, block) => sum + countTokens(block.type === "text" ? block.text : JSON.stringify(block.input)),
    0,
  );
  return {
    id: `msg_mock${n}`,
    model: String(body.model ?? "unknown"),
    blocks,
    stopReason: behavior.stopReason ?? (uses && uses.length > 0 ? "tool_use" : "end_turn"),
    usage: {
      input_tokens: inputTokensOf(body),
      output_tokens: output,
      cache_read_input_tokens: behavior.usage?.cacheRead ?? 0,
      cache_creation_input_tokens: behavior.usage?.cacheCreation ?? 0,
    },
  };
}

/** The prompt's tokens as this mock counts them (a message's usage and count_tokens agree). */
function inputTokensOf(body: Record<string, unknown>): number {
  return countTokens(JSON.stringify([body.system ?? "", body.messages ?? [], body.tools ?? []]));
}

async function writeStream(
  res: ServerResponse,
  frames: string[],
  behavior: MockAnthropicBehavior,
  headers: Record<string, string>,
  resetSocket: () => void,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": "req_mock",
    ...headers,
  });
  res.flushHeaders();
  const { eventDelayMs, resetAfterEvents, streamErrorAfterEvents, stallAfterEvents, endAfterEvents } =
    behavior;
  for (let i = 0; i < frames.length; i++) {
    if (i === resetAfterEvents) {
      // Let the client read what was sent first: a reset discards data still in flight.
      await pause(20, res);
      return resetSocket();
    }
    if (i === streamErrorAfterEvents) {
      const error = errorBody(529, behavior.errorType, behavior.errorMessage);
      res.end(sse("error", { type: "error", error: error.error }));
      return;
    }
    if (i === stallAfterEvents) return; // the response stays open until the client closes it
    if (i === endAfterEvents) break;
    if (eventDelayMs && i > 0) await pause(eventDelayMs, res);
    if (res.destroyed) return;
    await new Promise<void>((resolve) => res.write(frames[i] ?? "", () => resolve()));
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
    "request-id": "req_mock",
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

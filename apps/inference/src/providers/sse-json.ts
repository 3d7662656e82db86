// Server-sent events of JSON payloads (OpenAI's streaming wire format), read straight from the
// response body the `openai` SDK hands back with `.asResponse()`. The SDK's own stream decoder
// costs more than the gateway needs per chunk (a Promise.race per read, byte buffers copied per
// event, line and event objects); this one decodes as the SDK does for chat streams and keeps each
// event's JSON text next to its parsed value, so the gateway can pass the upstream's bytes on
// instead of serializing the chunk again.
import { APIError } from "openai";

const RAW_JSON: unique symbol = Symbol("gw.sse.raw-json");

/** The JSON text an event arrived as, when it can be sent on as one `data:` line unchanged. */
export function rawJsonOf(value: unknown): string | undefined {
  return typeof value === "object" && value !== null
    ? (value as { [RAW_JSON]?: string })[RAW_JSON]
    : undefined;
}

interface EventFields {
  event: string | null;
  data: string[];
}

/**
 * Parses one event's data as the SDK does (legacy mode): an `error` event or a payload with an
 * `error` member throws APIError, and so does a Responses API error event (`"type":"error"`) that
 * came without its `event:` line; text that is not JSON throws SyntaxError. The payload keeps its
 * text (non-enumerable) when that is a single line.
 */
function parseEvent<T>(fields: EventFields, headers: Headers): T {
  const text = fields.data.join("\n");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SyntaxError("Error reading response: malformed server-sent event JSON.");
  }
  if (fields.event === "error") {
    const error = (value as { error?: unknown } | null)?.error ?? value;
    throw new APIError(undefined, error as object | undefined, undefined, headers);
  }
  if (typeof value === "object" && value !== null) {
    const error = (value as { error?: unknown }).error;
    if (error) throw new APIError(undefined, error as object, undefined, headers);
    if ((value as { type?: unknown }).type === "error") {
      throw new APIError(undefined, value as object, undefined, headers);
    }
    if (fields.data.length === 1 && !text.includes("\r")) {
      Object.defineProperty(value, RAW_JSON, { value: text });
    }
  }
  return value as T;
}

/**
 * Yields each event's parsed JSON payload until `data: [DONE]` (or the end of the body). Lines end
 * with LF or CRLF; comment lines (`:`) and fields other than `event` and `data` are ignored; an
 * event still open when the body ends is delivered, as the SDK does.
 */
export async function* sseJsonEvents<T>(
  body: AsyncIterable<Uint8Array>,
  headers: Headers,
): AsyncGenerator<T, void, undefined> {
  const decoder = new TextDecoder();
  let fields: EventFields = { event: null, data: [] };
  let buffer = "";
  // Returns true at [DONE]; the caller stops (leaving the loop releases the body).
  const line = function* (text: string): Generator<T, boolean> {
    const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (raw === "") {
      if (fields.event === null && fields.data.length === 0) return false;
      const done = fields.data.length === 1 && fields.data[0] === "[DONE]";
      const event = fields;
      fields = { event: null, data: [] };
      if (done) return true;
      yield parseEvent<T>(event, headers);
      return false;
    }
    if (raw.charCodeAt(0) === 58 /* ":" comment */) return false;
    const colon = raw.indexOf(":");
    const name = colon === -1 ? raw : raw.slice(0, colon);
    let value = colon === -1 ? "" : raw.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (name === "data") fields.data.push(value);
    else if (name === "event") fields.event = value;
    return false;
  };
  for await (const bytes of body) {
    buffer += typeof bytes === "string" ? bytes : decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n", start)) {
      const text = buffer.slice(start, end);
      start = end + 1;
      if (yield* line(text)) return;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer !== "" && (yield* line(buffer))) return;
  yield* line("");
}

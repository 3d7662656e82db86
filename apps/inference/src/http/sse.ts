import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { TErrorEnvelope } from "@gw/contracts";
import type { FastifyReply } from "fastify";
import { rawJsonOf } from "../providers/sse-json.ts";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  // Tell nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
} as const;

/** Takes the response over from Fastify and sends the event-stream head (with the reply's headers). */
export function startSse(reply: FastifyReply): ServerResponse {
  reply.hijack();
  reply.raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), ...SSE_HEADERS });
  return reply.raw;
}

/** Resolves when the socket's buffer has drained (or the response closed). */
function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off("drain", done);
      raw.off("close", done);
      resolve();
    };
    raw.on("drain", done);
    raw.on("close", done);
  });
}

/**
 * Events ready at the same moment go out in one write. Upstream chunks that arrived in one socket
 * read are all yielded before the event loop turns; each is appended here, and one write per turn
 * (setImmediate) sends them together: one chunked-encoding frame and one syscall instead of one per
 * event. Nothing waits for more data than has arrived: a chunk goes out at the end of the turn it
 * came in.
 */
class EventWriter {
  private pending = "";
  private scheduled = false;
  constructor(private readonly raw: ServerResponse) {}

  /** Queues one event; waits when the socket's buffer is full so a slow client is not flooded. */
  add(data: string): Promise<void> | undefined {
    this.pending += `data: ${data}\n\n`;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return this.raw.writableNeedDrain ? drained(this.raw) : undefined;
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending === "" || this.raw.destroyed) return;
    const text = this.pending;
    this.pending = "";
    this.raw.write(text);
  };

  /** Ends the response with what is queued and `last`. */
  end(last: string): void {
    const text = this.pending + last;
    this.pending = "";
    this.raw.end(text);
  }
}

export interface StreamOutcome<T> {
  /** Every chunk that came from upstream, including the usage chunk the client may not see. */
  chunks: number;
  last?: T | undefined;
  error?: TErrorEnvelope | undefined;
  clientClosed: boolean;
}

/**
 * Streams chunks as SSE, each as it arrives. Ends with `data: [DONE]` only when the upstream
 * finished; a failure after the first byte ends with an error event instead, never a fake DONE.
 * `visible` decides which chunks the client sees (e.g. the usage chunk only when asked for).
 */
export async function pipeSse<T>(
  raw: ServerResponse,
  first: IteratorResult<T>,
  rest: AsyncIterator<T>,
  hooks: {
    visible(chunk: T): boolean;
    onChunk?(chunk: T): void;
    errorEnvelope(error: unknown): TErrorEnvelope;
    /** Called once the outcome is known and before the last bytes go out (or after a client left). */
    beforeEnd?(outcome: StreamOutcome<T>): void;
  },
): Promise<StreamOutcome<T>> {
  const outcome: StreamOutcome<T> = { chunks: 0, clientClosed: false };
  const writer = new EventWriter(raw);
  try {
    for (let next = first; !next.done; next = await rest.next()) {
      if (raw.destroyed) {
        outcome.clientClosed = true;
        hooks.beforeEnd?.(outcome);
        await rest.return?.();
        return outcome;
      }
      const chunk = next.value;
      outcome.chunks += 1;
      outcome.last = chunk;
      hooks.onChunk?.(chunk);
      // A chunk that came as JSON text (the OpenAI-compatible adapter) goes out as it came.
      if (hooks.visible(chunk)) await writer.add(rawJsonOf(chunk) ?? JSON.stringify(chunk));
    }
    if (raw.destroyed) outcome.clientClosed = true;
    hooks.beforeEnd?.(outcome);
    if (!outcome.clientClosed) writer.end("data: [DONE]\n\n");
  } catch (error) {
    if (raw.destroyed) {
      outcome.clientClosed = true;
      hooks.beforeEnd?.(outcome);
      return outcome;
    }
    outcome.error = hooks.errorEnvelope(error);
    hooks.beforeEnd?.(outcome);
    writer.end(`data: ${JSON.stringify(outcome.error)}\n\n`);
  }
  return outcome;
}

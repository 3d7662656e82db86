import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { TErrorEnvelope } from "@gw/contracts";
import type { FastifyReply } from "fastify";

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

/** Writes one event; waits when the socket's buffer is full so a slow client is not flooded. */
export function writeEvent(raw: ServerResponse, data: string): Promise<void> | undefined {
  if (raw.write(`data: ${data}\n\n`)) return undefined;
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
      if (hooks.visible(chunk)) await writeEvent(raw, JSON.stringify(chunk));
    }
    if (raw.destroyed) outcome.clientClosed = true;
    hooks.beforeEnd?.(outcome);
    if (!outcome.clientClosed) raw.end("data: [DONE]\n\n");
  } catch (error) {
    if (raw.destroyed) {
      outcome.clientClosed = true;
      hooks.beforeEnd?.(outcome);
      return outcome;
    }
    outcome.error = hooks.errorEnvelope(error);
    hooks.beforeEnd?.(outcome);
    raw.end(`data: ${JSON.stringify(outcome.error)}\n\n`);
  }
  return outcome;
}

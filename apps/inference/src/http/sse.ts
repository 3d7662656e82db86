import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  // Tell nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
} as const;

/** Takes the response over from Fastify and sends the event-stream head (with the reply's headers). */
export function startSse(reply: FastifyReply): SseWriter {
  reply.hijack();
  reply.raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), ...SSE_HEADERS });
  return new SseWriter(reply.raw);
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
 * The event stream of one response. Events ready at the same moment go out in one write: upstream
 * chunks that arrived in one socket read are all yielded before the event loop turns; each is
 * appended here, and one write per turn (setImmediate) sends them together: one chunked-encoding
 * frame and one syscall instead of one per event. Nothing waits for more data than has arrived: an
 * event goes out at the end of the turn it came in.
 */
export class SseWriter {
  private pending = "";
  private scheduled = false;
  private ended = false;

  constructor(private readonly raw: ServerResponse) {}

  /** Whether the client has gone away. */
  get closed(): boolean {
    return this.raw.destroyed;
  }

  /** Queues events (whole frames); waits when the socket's buffer is full so a slow client is not flooded. */
  send(frames: string): Promise<void> | undefined {
    this.pending += frames;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return this.raw.writableNeedDrain ? drained(this.raw) : undefined;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending === "" || this.raw.destroyed || this.ended) return;
    const text = this.pending;
    this.pending = "";
    this.raw.write(text);
  };

  /** Ends the stream with its last frames (the endpoint's end, or its failure's event). */
  end(last: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.raw.destroyed) return;
    const text = this.pending + last;
    this.pending = "";
    this.raw.end(text);
  }
}

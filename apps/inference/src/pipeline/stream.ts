// A stream's two halves in the lifecycle: opening it on one target (the fallback loop may still move
// on until its first chunk), and relaying it to the client chunk by chunk.
import type { SseWriter } from "../http/sse.ts";
import type { CallOptions, ChunkStream } from "../providers/types.ts";
import { linkedAbort, withIdleTimeout } from "../routing/idle-timeout.ts";
import type { StreamRelay } from "./endpoint.ts";

export interface OpenedStream<T> {
  /** Already received: falling back stops once a stream has produced its first chunk. */
  first: IteratorResult<T>;
  rest: AsyncIterator<T>;
}

/**
 * Opens an upstream stream for one attempt and waits for its first chunk, so a target that fails
 * before producing anything can still be fallen back from. Later stalls end it (idle timeout).
 */
export async function openStream<T>(
  start: (options: CallOptions) => Promise<ChunkStream<T>>,
  signal: AbortSignal,
  timeoutMs: number,
  provider: string,
): Promise<OpenedStream<T>> {
  const upstream = linkedAbort(signal);
  const stream = await start({ signal: upstream.signal, timeoutMs });
  const rest = withIdleTimeout(stream[Symbol.asyncIterator](), timeoutMs, (e) => upstream.abort(e), provider);
  return { first: await rest.next(), rest };
}

export interface Relayed {
  /** The client went away before the end. */
  clientClosed: boolean;
  /** The upstream failed (or stalled) after the stream started. */
  error?: unknown;
}

/**
 * Sends each chunk as it arrives, framed by the endpoint's relay (which tallies it). Returns when
 * the upstream has ended, failed, or the client has gone (the upstream call is then cancelled); the
 * stream's last bytes are the caller's to send, once the request is settled.
 */
export async function relay<T>(
  out: SseWriter,
  opened: OpenedStream<T>,
  relayer: StreamRelay<T>,
): Promise<Relayed> {
  const { rest } = opened;
  try {
    for (let next = opened.first; !next.done; next = await rest.next()) {
      if (out.closed) {
        await rest.return?.();
        return { clientClosed: true };
      }
      const held = relayer.hold?.(next.value);
      if (held !== undefined) await held;
      const frames = relayer.frame(next.value);
      if (frames !== undefined) await out.send(frames);
    }
    return { clientClosed: out.closed };
  } catch (error) {
    if (out.closed) return { clientClosed: true };
    return { clientClosed: false, error };
  }
}

import type { CallOptions, ChunkStream } from "../providers/types.ts";
import { linkedAbort, withIdleTimeout } from "../routing/idle-timeout.ts";

/**
 * Opens an upstream stream for one attempt and waits for its first chunk, so a target that fails
 * before producing anything can still be fallen back from. Later stalls end it (idle timeout).
 */
export async function openStream<T>(
  start: (options: CallOptions) => Promise<ChunkStream<T>>,
  signal: AbortSignal,
  timeoutMs: number,
  provider: string,
): Promise<{ first: IteratorResult<T>; rest: AsyncIterator<T> }> {
  const upstream = linkedAbort(signal);
  const stream = await start({ signal: upstream.signal, timeoutMs });
  const rest = withIdleTimeout(stream[Symbol.asyncIterator](), timeoutMs, (e) => upstream.abort(e), provider);
  return { first: await rest.next(), rest };
}

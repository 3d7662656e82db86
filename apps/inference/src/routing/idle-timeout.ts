import { UpstreamError } from "../providers/types.ts";

/**
 * Wraps a started stream so that a gap longer than `idleMs` between chunks aborts the upstream
 * call and fails the iteration with an UpstreamError("timeout"). Adapter timeouts only bound the
 * wait for response headers; this bounds a stream that stalls half-way.
 */
export function withIdleTimeout<T>(
  iterator: AsyncIterator<T>,
  idleMs: number,
  abortUpstream: (reason: Error) => void,
  provider: string,
): AsyncIterator<T> {
  // One timer for the whole stream, pushed back on every chunk (no allocation per chunk).
  let fail: (error: Error) => void = () => {};
  const stalled = new Promise<never>((_, reject) => {
    fail = reject;
  });
  stalled.catch(() => {});
  const timer = setTimeout(() => {
    const error = new UpstreamError("timeout", `The upstream provider (${provider}) stopped sending.`, {
      provider,
    });
    abortUpstream(error);
    fail(error);
  }, idleMs);
  const stop = () => clearTimeout(timer);
  return {
    async next() {
      timer.refresh();
      try {
        const result = await Promise.race([iterator.next(), stalled]);
        if (result.done) stop();
        return result;
      } catch (error) {
        stop();
        throw error;
      }
    },
    return(value?: unknown) {
      stop();
      return iterator.return
        ? iterator.return(value)
        : Promise.resolve({ done: true, value: undefined as T });
    },
  };
}

/** A signal that aborts when either the client's signal does or the gateway decides to. */
export function linkedAbort(parent: AbortSignal): AbortController {
  const controller = new AbortController();
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", () => controller.abort(parent.reason), { once: true });
  return controller;
}

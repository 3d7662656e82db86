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
  // One timer for the whole stream, pushed back on every chunk. No Promise.race per chunk: a race
  // against one long-lived promise leaves a reaction on it for every chunk until the stream ends.
  let failure: Error | undefined;
  let failPending: ((error: Error) => void) | undefined;
  const timer = setTimeout(() => {
    failure = new UpstreamError("timeout", `The upstream provider (${provider}) stopped sending.`, {
      provider,
    });
    abortUpstream(failure);
    failPending?.(failure);
  }, idleMs);
  const stop = () => clearTimeout(timer);
  return {
    next() {
      if (failure) return Promise.reject(failure);
      timer.refresh();
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        failPending = reject;
        iterator.next().then(
          (result) => {
            failPending = undefined;
            if (result.done) stop();
            resolve(result);
          },
          (error: unknown) => {
            failPending = undefined;
            stop();
            reject(error);
          },
        );
      });
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

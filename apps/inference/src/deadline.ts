// One deadline for calls to the gateway's stores (Redis commands, the balance loader).
//
// A timer is not a clock here: when the event loop is busy (a saturated gateway runs 50 requests'
// work per turn, plus GC and batch writes), a turn can last longer than a store's deadline. Node
// runs expired timers at the start of a turn, before it reads the sockets, so a plain setTimeout
// rejects calls whose replies are already waiting on the socket: under load, Redis answering in
// 0.1 ms became "the gateway cannot check your balance" (503). Here the expired timer only
// schedules the verdict for after the turn's I/O (setImmediate runs after the poll phase): a reply
// that has arrived wins; a store that has not answered still fails at the deadline, one turn late.

/**
 * `work`'s result, or the error `timeoutError()` builds when `work` has not settled within `ms`
 * (and the replies that had arrived by then were read). `work`'s late result is ignored (no
 * unhandled rejection). `unref`: the deadline alone does not keep the process alive.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  timeoutError: () => Error,
  options?: { unref?: boolean },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      // Not unref'd even when the timer is: an unref'd immediate does not stop the loop from
      // blocking in its poll phase, so the verdict could wait for unrelated I/O.
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(timeoutError());
      });
    }, ms);
    if (options?.unref) timer.unref();
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

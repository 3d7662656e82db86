/** Keeps the event loop busy for `ms`, as one turn of a saturated gateway does. */
export function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs on this thread meanwhile
  }
}

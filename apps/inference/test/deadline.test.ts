// withDeadline: a store call's deadline that a busy event loop cannot turn into a false timeout.
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { withDeadline } from "../src/deadline.ts";

import { blockEventLoop } from "./support/busy-loop.ts";

class Late extends Error {}

describe("withDeadline", () => {
  it("rejects with the built error when the work never settles", async () => {
    const started = performance.now();
    const error = await withDeadline(new Promise(() => {}), 20, () => new Late("late")).catch((e) => e);
    expect(error).toBeInstanceOf(Late);
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
  });

  it("passes the work's value and its own error through", async () => {
    await expect(withDeadline(Promise.resolve(7), 20, () => new Late())).resolves.toBe(7);
    const failure = new Error("store failed");
    await expect(withDeadline(Promise.reject(failure), 20, () => new Late())).rejects.toBe(failure);
  });

  it("lets I/O that completed while the loop was busy past the deadline win over the expired timer", async () => {
    // One libuv request (a stat) finishes on the thread pool while this thread is blocked for
    // five times the deadline. Its completion is read in the next turn's poll phase, after that
    // turn's expired timers: a plain setTimeout deadline rejects here.
    for (let round = 0; round < 5; round += 1) {
      const work = stat(fileURLToPath(import.meta.url));
      const guarded = withDeadline(work, 10, () => new Late("timed out while the reply was waiting"));
      blockEventLoop(50);
      await expect(guarded).resolves.toMatchObject({ size: expect.any(Number) });
    }
  });

  it("ignores the work's late failure once the deadline has passed", async () => {
    let fail: (error: Error) => void = () => {};
    const work = new Promise<never>((_, reject) => {
      fail = reject;
    });
    await expect(withDeadline(work, 10, () => new Late())).rejects.toBeInstanceOf(Late);
    fail(new Error("too late")); // must not surface as an unhandled rejection
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});

// Calling a provider adapter directly in tests: per-call options, a stream read to its end, and the
// UpstreamError a call must fail with.
import { expect } from "vitest";
import type { CallOptions } from "../../src/providers/types.ts";
import { UpstreamError } from "../../src/providers/types.ts";

export const call = (overrides: Partial<CallOptions> = {}): CallOptions => ({
  signal: new AbortController().signal,
  timeoutMs: 5_000,
  ...overrides,
});

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** What `promise` rejects with; a test fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("should have failed"),
    (e: unknown) => e,
  );
}

/** The UpstreamError `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

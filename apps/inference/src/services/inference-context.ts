import type { KeyStore } from "../auth/key-store.ts";
import type { Metering } from "../metering/meter.ts";
import type { Routing } from "../routing/build-registry.ts";
import type { CircuitBreaker } from "../routing/circuit-breaker.ts";

/** What the /v1 services share for the life of the app. */
export interface InferenceContext {
  routing: Routing;
  breaker: CircuitBreaker;
  keys: KeyStore;
  defaultTimeoutMs: number;
  /** Output cap injected when a client sends none, so every request has a bounded cost. */
  defaultMaxOutputTokens: number;
  /** Off only for benchmarks of the bare proxy. */
  metering?: Metering | undefined;
}

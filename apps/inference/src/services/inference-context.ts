import type { KeyStore } from "../auth/key-store.ts";
import type { Metering } from "../metering/meter.ts";
import type { Routing } from "../routing/build-registry.ts";
import type { CircuitBreaker } from "../routing/circuit-breaker.ts";
import type { OrgRouting } from "../routing/org-routing.ts";
import type { RoutingTable } from "../routing/routing-table.ts";

/** What the /v1 services share for the life of the app. */
export interface InferenceContext {
  routing: Routing;
  breaker: CircuitBreaker;
  keys: KeyStore;
  defaultTimeoutMs: number;
  /** Output cap injected when a client sends none, so every request has a bounded cost. */
  defaultMaxOutputTokens: number;
  /** Organizations' own providers (BYOK); absent without ENCRYPTION_KEY. */
  orgRouting?: OrgRouting | undefined;
  /** Off only for benchmarks of the bare proxy. */
  metering?: Metering | undefined;
}

/** The routing table for an org's request: with its own providers when it has any. */
export async function routingTableFor(
  ctx: InferenceContext,
  orgId: string,
  log?: (error: unknown) => void,
): Promise<RoutingTable> {
  if (!ctx.orgRouting) return ctx.routing.table;
  try {
    return await ctx.orgRouting.tableFor(orgId);
  } catch (error) {
    // Its own providers cannot be read now (database): the platform's still serve, and bill.
    log?.(error);
    return ctx.routing.table;
  }
}

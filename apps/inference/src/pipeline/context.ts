// What the request pipeline shares for the life of the app.
import type { Meter } from "../metering/meter.ts";
import type { Routing } from "../routing/build-registry.ts";
import type { CircuitBreaker } from "../routing/circuit-breaker.ts";
import type { OrgRouting } from "../routing/org-routing.ts";
import type { RoutingTable } from "../routing/routing-table.ts";
import type { ResponseStore } from "../services/response-store.ts";

export interface PipelineContext {
  routing: Routing;
  breaker: CircuitBreaker;
  /** Limits, reservations, charges and usage records; the no-op meter with METERING=off. */
  meter: Meter;
  /** Per-attempt upstream timeout when neither the route nor the provider sets one. */
  defaultTimeoutMs: number;
  /** Output cap injected when a client sends none, so every request has a bounded cost. */
  defaultMaxOutputTokens: number;
  /** The Responses API's stored conversations (previous_response_id, item_reference). */
  responses: ResponseStore;
  /** Organizations' own providers (BYOK); absent without ENCRYPTION_KEY. */
  orgRouting?: OrgRouting | undefined;
  log: { warn(fields: object, message: string): void };
}

/** The routing table for an org's request: with its own providers when it has any. */
export async function routingTableFor(ctx: PipelineContext, orgId: string): Promise<RoutingTable> {
  if (!ctx.orgRouting) return ctx.routing.table;
  try {
    return await ctx.orgRouting.tableFor(orgId);
  } catch (error) {
    // Its own providers cannot be read now (database): the platform's still serve, and bill.
    ctx.log.warn({ err: error, orgId }, "byok: providers unreadable; serving the platform's");
    return ctx.routing.table;
  }
}

// The names a model goes by. The product shows models as `<provider>/<model>` (the catalog, /v1/models)
// and people also write the bare upstream id (`demo-chat`) or an alias (`llama-70b`). A key's allowed
// models may use any of these names, and a request matches it under any of them.
import type { ResolvedRoute, RoutingTable } from "./routing-table.ts";

/**
 * Whether a request for `requested`, resolved to `route`, is one a key restricted to `allowed` may
 * make: an entry names what was asked (an alias by its name, or the same spelling), or one of the
 * route's targets as `<provider>/<model>` or by its bare model id. An empty list allows everything.
 */
export function modelAllowed(allowed: readonly string[], requested: string, route: ResolvedRoute): boolean {
  if (allowed.length === 0) return true;
  for (const entry of allowed) {
    if (entry === requested) return true;
    for (const target of route.targets) {
      if (entry === target.model) return true;
      const slash = target.provider.id.length;
      if (
        entry.length === slash + 1 + target.model.length &&
        entry.startsWith(target.provider.id) &&
        entry.charCodeAt(slash) === 47 &&
        entry.endsWith(target.model)
      ) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Whether `id` names a model this table serves, by any of its names: an alias, `<provider>/<model>`,
 * or a bare model id (even one several providers serve, which a request must then qualify).
 */
export function knownModelId(table: RoutingTable, id: string): boolean {
  const resolution = table.resolve(id);
  return resolution.ok || resolution.reason === "ambiguous";
}

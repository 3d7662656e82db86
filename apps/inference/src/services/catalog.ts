import type { TCatalogModel } from "@gw/contracts";
import { FREE, type PriceBook } from "../metering/pricing/prices.ts";
import type { Routing } from "../routing/build-registry.ts";
import type { RouteTarget } from "../routing/routing-table.ts";

/** The live catalog: every alias and provider model, with its first target's price. */
export function catalog(routing: Routing, prices: PriceBook | undefined): TCatalogModel[] {
  const priced = (target: RouteTarget | undefined) => {
    if (!target) return { price: null, free: false };
    const free = target.provider.freeModels.has(target.model);
    const price = prices?.get(target.provider.id, target.model) ?? (free ? FREE : undefined);
    return { price: price ?? null, free };
  };
  const models: TCatalogModel[] = [];
  for (const alias of routing.table.aliases()) {
    const resolved = routing.table.resolve(alias.alias);
    const targets = resolved.ok ? resolved.route.targets : [];
    models.push({
      id: alias.alias,
      kind: "alias",
      targets: alias.targets.map((t) => ({ provider: t.provider, model: t.model })),
      available: targets.length > 0,
      ...priced(targets[0]),
    });
  }
  for (const provider of routing.registry.list()) {
    for (const model of provider.models) {
      models.push({
        id: `${provider.id}/${model}`,
        kind: "model",
        targets: [{ provider: provider.id, model }],
        available: true,
        ...priced({ provider, model }),
      });
    }
  }
  return models;
}

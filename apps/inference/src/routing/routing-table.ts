import type { TFallbackOn, TRouteConfig } from "./config.ts";
import type { ProviderRegistry, RegisteredProvider } from "./registry.ts";

export interface RouteTarget {
  provider: RegisteredProvider;
  /** The upstream's model id. */
  model: string;
}

export interface ResolvedRoute {
  /** What the client asked for. */
  requested: string;
  /** Ordered: the first target is tried first. */
  targets: RouteTarget[];
  fallbackOn: ReadonlySet<TFallbackOn>;
  /** Per-attempt timeout override, in ms. */
  timeoutMs?: number | undefined;
}

/** Whether the gateway prices `model` at `provider` (a priced model is served even when unlisted). */
export type PricedModel = (provider: string, model: string) => boolean;

const unpriced: PricedModel = () => false;

export type Resolution =
  | { ok: true; route: ResolvedRoute }
  | { ok: false; reason: "unknown" | "unavailable" | "ambiguous"; message: string };

/**
 * Resolves model names: an alias (ordered targets, weights shuffle targets of equal priority),
 * `<provider>/<model>` for a model the provider lists or the gateway prices, or a bare upstream id
 * that exactly one provider lists. Anything else is unknown, however it is spelled.
 */
export class RoutingTable {
  private readonly routes = new Map<string, TRouteConfig>();
  private readonly random: () => number;
  readonly priced: PricedModel;

  constructor(
    private readonly registry: ProviderRegistry,
    routes: TRouteConfig[],
    options: { random?: () => number; priced?: PricedModel } = {},
  ) {
    for (const route of routes) this.routes.set(route.alias, route);
    this.random = options.random ?? Math.random;
    this.priced = options.priced ?? unpriced;
  }

  /** Every provider this table routes to. */
  providers(): RegisteredProvider[] {
    return this.registry.list();
  }

  aliases(): TRouteConfig[] {
    return [...this.routes.values()];
  }

  /** Alias targets whose provider is registered, in try order. */
  private targetsOf(route: TRouteConfig): RouteTarget[] {
    const keyed = route.targets
      .map((t, index) => ({ t, index, provider: this.registry.get(t.provider) }))
      .filter((x): x is typeof x & { provider: RegisteredProvider } => x.provider !== undefined)
      .map((x) => ({
        ...x,
        // Weighted random order among equal priorities (Efraimidis-Spirakis keys).
        key: x.t.weight ? this.random() ** (1 / x.t.weight) : 1 - x.index / 1e6,
      }));
    keyed.sort((a, b) => (a.t.priority ?? a.index) - (b.t.priority ?? b.index) || b.key - a.key);
    return keyed.map((x) => ({ provider: x.provider, model: x.t.model }));
  }

  resolve(name: string): Resolution {
    const alias = this.routes.get(name);
    if (alias) {
      const targets = this.targetsOf(alias);
      if (targets.length === 0) {
        return {
          ok: false,
          reason: "unavailable",
          message: `The model \`${name}\` has no configured provider on this gateway.`,
        };
      }
      return {
        ok: true,
        route: { requested: name, targets, fallbackOn: new Set(alias.fallbackOn), timeoutMs: alias.timeout },
      };
    }
    const slash = name.indexOf("/");
    if (slash > 0) {
      const provider = this.registry.get(name.slice(0, slash));
      const model = name.slice(slash + 1);
      if (provider && model && (provider.serves(model) || this.priced(provider.id, model))) {
        return {
          ok: true,
          route: { requested: name, targets: [{ provider, model }], fallbackOn: new Set() },
        };
      }
    }
    const serving = this.registry.findByModel(name);
    if (serving.length === 1) {
      return {
        ok: true,
        route: { requested: name, targets: [{ provider: serving[0]!, model: name }], fallbackOn: new Set() },
      };
    }
    if (serving.length > 1) {
      return {
        ok: false,
        reason: "ambiguous",
        message: `The model \`${name}\` is served by several providers; use one of: ${serving.map((p) => `${p.id}/${name}`).join(", ")}.`,
      };
    }
    return {
      ok: false,
      reason: "unknown",
      message: `The model \`${name}\` does not exist or you do not have access to it.`,
    };
  }
}

import type { ProviderAdapter } from "../providers/types.ts";

export interface RegisteredProvider {
  id: string;
  adapter: ProviderAdapter;
  /** Model ids this provider is known to serve (for bare ids and /v1/models). */
  models: string[];
  /** Whether the provider lists this model id (its models or its free models). */
  serves(model: string): boolean;
  /** Per-attempt timeout when the route sets none, in ms. */
  timeoutMs: number;
  /** Models served free on purpose: never billed, so they need no price. */
  freeModels: ReadonlySet<string>;
  /** Shown in /v1/models as owned_by. */
  ownedBy: string;
}

/** What registering a provider takes; `serves` is derived from its model lists. */
export type ProviderSpec = Omit<RegisteredProvider, "serves">;

/** The providers this process can reach; a provider is registered only with its credentials. */
export class ProviderRegistry {
  private readonly providers = new Map<string, RegisteredProvider>();

  register(spec: ProviderSpec): void {
    if (this.providers.has(spec.id)) throw new Error(`provider "${spec.id}" is registered twice`);
    const listed = new Set([...spec.models, ...spec.freeModels]);
    const { serves: _derived, ...rest } = spec as ProviderSpec & { serves?: unknown };
    this.providers.set(spec.id, { ...rest, serves: (model) => listed.has(model) });
  }

  get(id: string): RegisteredProvider | undefined {
    return this.providers.get(id);
  }

  list(): RegisteredProvider[] {
    return [...this.providers.values()];
  }

  /** Providers that list this exact model id. */
  findByModel(model: string): RegisteredProvider[] {
    return this.list().filter((p) => p.models.includes(model));
  }
}

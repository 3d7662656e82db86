import type { ProviderAdapter } from "../providers/types.ts";

export interface RegisteredProvider {
  id: string;
  adapter: ProviderAdapter;
  /** Model ids this provider is known to serve (for bare ids and /v1/models). */
  models: string[];
  /** Per-attempt timeout when the route sets none, in ms. */
  timeoutMs: number;
  /** Models served free on purpose: never billed, so they need no price. */
  freeModels: ReadonlySet<string>;
  /** Shown in /v1/models as owned_by. */
  ownedBy: string;
}

/** The providers this process can reach; a provider is registered only with its credentials. */
export class ProviderRegistry {
  private readonly providers = new Map<string, RegisteredProvider>();

  register(provider: RegisteredProvider): void {
    if (this.providers.has(provider.id)) throw new Error(`provider "${provider.id}" is registered twice`);
    this.providers.set(provider.id, provider);
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

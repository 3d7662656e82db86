// Bring-your-own providers: an organization's own providers (portal "Providers"), with keys sealed
// at rest, join the routing of that organization's requests only. A provider named like a platform
// provider (e.g. "openai") replaces it for that org, so `openai/gpt-4o` then runs on the org's key.
// BYOK models are free on purpose: the org pays its provider directly.
import type { Database } from "@gw/db";
import { createGuardedFetch, providerKeyOwner, type SecretBox } from "@gw/server-kit";
import { kinds } from "../providers/kinds.ts";
import type { TRouteConfig } from "./config.ts";
import { ProviderRegistry, type ProviderSpec } from "./registry.ts";
import { RoutingTable } from "./routing-table.ts";

export interface OrgRouting {
  /** The routing table for this org's requests: the platform's, or the platform's plus its providers. */
  tableFor(orgId: string): Promise<RoutingTable>;
  /** Drop an org's cached providers (after the portal changed them). */
  forget(orgId: string): void;
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9_-]*$/;

export function createOrgRouting(options: {
  db: Database;
  platform: { registry: ProviderRegistry; table: RoutingTable; routes: TRouteConfig[] };
  secretBox: SecretBox;
  allowPrivateHosts: boolean;
  timeoutMs: number;
  ttlMs?: number;
  log: { warn(fields: object, message: string): void };
}): OrgRouting {
  const ttlMs = options.ttlMs ?? 30_000;
  const cache = new Map<string, { table: RoutingTable; expires: number; loading?: Promise<RoutingTable> }>();
  const guardedFetch = createGuardedFetch({ allowPrivate: options.allowPrivateHosts });

  async function load(orgId: string): Promise<RoutingTable> {
    const rows = await options.db.prisma.customProvider.findMany({ where: { orgId, status: "active" } });
    if (rows.length === 0) return options.platform.table;
    const own: ProviderSpec[] = [];
    for (const row of rows) {
      if (!PROVIDER_ID.test(row.name)) continue;
      let apiKey: string;
      try {
        apiKey = options.secretBox.open(row.encryptedKey, providerKeyOwner(orgId, row.id));
      } catch {
        options.log.warn(
          { orgId, provider: row.id },
          "byok: a provider key could not be opened; provider skipped",
        );
        continue;
      }
      const kind = kinds[row.kind];
      const baseURL = row.baseUrl ?? kind.defaultBaseUrl;
      if (!baseURL) {
        // The portal refuses such a row; one written around it must not send the key elsewhere.
        options.log.warn({ orgId, provider: row.id }, "byok: a provider has no base URL; provider skipped");
        continue;
      }
      own.push({
        id: row.name,
        adapter: kind.createAdapter({
          id: row.name,
          apiKey,
          baseURL,
          defaultTimeoutMs: options.timeoutMs,
          fetch: guardedFetch,
        }),
        models: row.models,
        timeoutMs: options.timeoutMs,
        freeModels: new Set(row.models),
        ownedBy: `${row.name} (your key)`,
      });
    }
    if (own.length === 0) return options.platform.table;
    const registry = new ProviderRegistry();
    const overridden = new Set(own.map((p) => p.id));
    for (const provider of options.platform.registry.list())
      if (!overridden.has(provider.id)) registry.register(provider);
    for (const provider of own) {
      // A replaced platform provider keeps its model list unless the org named its own.
      const platform = options.platform.registry.get(provider.id);
      registry.register(
        provider.models.length === 0 && platform
          ? { ...provider, models: platform.models, freeModels: new Set(platform.models) }
          : provider,
      );
    }
    return new RoutingTable(registry, options.platform.routes, { priced: options.platform.table.priced });
  }

  return {
    async tableFor(orgId) {
      const now = Date.now();
      const hit = cache.get(orgId);
      if (hit && hit.expires > now) return hit.table;
      if (hit?.loading) return hit.loading;
      const loading = load(orgId).then(
        (table) => {
          cache.set(orgId, { table, expires: Date.now() + ttlMs });
          return table;
        },
        (error: unknown) => {
          cache.delete(orgId);
          throw error;
        },
      );
      cache.set(orgId, { table: hit?.table ?? options.platform.table, expires: 0, loading });
      return loading;
    },
    forget(orgId) {
      cache.delete(orgId);
    },
  };
}

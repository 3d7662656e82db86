import { readFileSync } from "node:fs";
import type { TProviderKind } from "@gw/contracts";
import { createFastFetch } from "@gw/server-kit";
import type { TInferenceEnv } from "../env.ts";
import { createDemoAdapter, DEMO_CHAT_MODEL, DEMO_EMBED_MODEL } from "../providers/demo/demo-adapter.ts";
import { kinds } from "../providers/kinds.ts";
import {
  ConfigError,
  defaultRoutes,
  loadGatewayConfig,
  type TProviderConfig,
  type TRouteConfig,
} from "./config.ts";
import { ProviderRegistry } from "./registry.ts";
import { type PricedModel, RoutingTable } from "./routing-table.ts";

const none: ReadonlySet<string> = new Set();

const standardModels = {
  openai: ["gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small"],
  anthropic: [
    // The names Claude Code and the Anthropic SDK send today, undated and dated.
    "claude-sonnet-4-5",
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5",
    "claude-haiku-4-5-20251001",
    "claude-opus-4-5",
    "claude-opus-4-5-20251101",
    "claude-opus-4-1",
    "claude-opus-4-1-20250805",
    "claude-3-5-sonnet-20241022",
    "claude-3-5-haiku-20241022",
    "claude-3-opus-20240229",
    "claude-3-haiku-20240307",
  ],
  llama: ["meta-llama/Meta-Llama-3.1-70B-Instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct"],
};

/** The providers of the standard env vars (`<ID>_API_KEY`, `<ID>_BASE_URL`); registered when keyed. */
function standardProviders(env: TInferenceEnv): {
  id: string;
  kind: TProviderKind;
  apiKey: string | undefined;
  baseURL: string;
  models: string[];
}[] {
  return [
    {
      id: "openai",
      kind: "openai",
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL,
      models: standardModels.openai,
    },
    {
      id: "anthropic",
      kind: "anthropic",
      apiKey: env.ANTHROPIC_API_KEY,
      baseURL: env.ANTHROPIC_BASE_URL,
      models: standardModels.anthropic,
    },
    {
      id: "nebius",
      kind: "openai_compatible",
      apiKey: env.NEBIUS_API_KEY,
      baseURL: env.NEBIUS_BASE_URL,
      models: standardModels.llama,
    },
    {
      id: "deepinfra",
      kind: "openai_compatible",
      apiKey: env.DEEPINFRA_API_KEY,
      baseURL: env.DEEPINFRA_BASE_URL,
      models: standardModels.llama,
    },
  ];
}

/** The SDK base URL of a configured provider: seed style (host + endpoints.chat) or an API root. */
function sdkBaseUrl(config: TProviderConfig): string {
  const root = config.baseUrl.replace(/\/+$/, "");
  if (!config.endpoints) return root;
  const chat = config.endpoints.chat;
  if (!chat.endsWith("/chat/completions")) {
    throw new ConfigError(
      `Invalid routing configuration: providers "${config.id}".endpoints.chat must end in /chat/completions`,
    );
  }
  return root + chat.slice(0, -"/chat/completions".length);
}

function configuredProviderKey(
  config: TProviderConfig,
  secrets: Readonly<Record<string, string>>,
): string | undefined {
  if (config.apiKey) return config.apiKey;
  const name = config.apiKeyEnv ?? `${config.id.toUpperCase().replace(/-/g, "_")}_API_KEY`;
  return secrets[name];
}

export interface Routing {
  registry: ProviderRegistry;
  table: RoutingTable;
  /** Every alias in force (defaults and configured), for per-org tables. */
  routes: TRouteConfig[];
}

/**
 * Registers every provider whose credentials are present (standard env keys, configured extra
 * providers, the demo provider) and builds the routing table from defaults plus configuration.
 */
export function buildRouting(
  env: TInferenceEnv,
  options: { fetch?: typeof fetch; priced?: PricedModel } = {},
): Routing {
  const config = loadGatewayConfig({
    file: env.GATEWAY_CONFIG_FILE
      ? { path: env.GATEWAY_CONFIG_FILE, text: readConfigFile(env.GATEWAY_CONFIG_FILE) }
      : undefined,
    providersJson: env.MINI_LLM_PROVIDERS,
    routingJson: env.MINI_LLM_ROUTING,
  });
  const registry = new ProviderRegistry();
  const timeoutMs = env.UPSTREAM_TIMEOUT_MS;
  // The SDKs get a thin fetch on undici.request: about half the CPU of Node's global fetch per call.
  const common = { defaultTimeoutMs: timeoutMs, fetch: options.fetch ?? createFastFetch() };

  const standard = standardProviders(env);
  for (const { id, kind, apiKey, baseURL, models } of standard) {
    if (!apiKey) continue;
    registry.register({
      id,
      adapter: kinds[kind].createAdapter({ id, apiKey, baseURL, ...common }),
      models,
      timeoutMs,
      freeModels: none,
      ownedBy: id,
    });
  }
  for (const provider of config.providers) {
    const apiKey = configuredProviderKey(provider, env.secrets);
    if (!apiKey) continue;
    const customAuth =
      provider.authHeader.toLowerCase() !== "authorization" || provider.authPrefix !== "Bearer ";
    registry.register({
      id: provider.id,
      adapter: kinds.openai_compatible.createAdapter({
        id: provider.id,
        apiKey,
        baseURL: sdkBaseUrl(provider),
        ...common,
        ...(provider.timeout ? { defaultTimeoutMs: provider.timeout } : {}),
        // A host that wants another header gets it; the SDK's own Bearer header is then dropped.
        ...(customAuth
          ? {
              defaultHeaders: {
                [provider.authHeader]: `${provider.authPrefix}${apiKey}`,
                Authorization: null,
              },
            }
          : {}),
      }),
      models: provider.models,
      timeoutMs: provider.timeout ?? timeoutMs,
      freeModels: new Set(provider.freeModels),
      ownedBy: provider.name ?? provider.id,
    });
  }
  const demoOn =
    env.DEMO_PROVIDER === "on" || (env.DEMO_PROVIDER === "auto" && env.NODE_ENV !== "production");
  if (demoOn) {
    registry.register({
      id: "demo",
      adapter: createDemoAdapter({ tokenDelayMs: env.DEMO_TOKEN_DELAY_MS }),
      models: [DEMO_CHAT_MODEL, DEMO_EMBED_MODEL],
      timeoutMs,
      freeModels: none,
      ownedBy: "demo (built-in)",
    });
  }

  for (const route of config.routes) {
    for (const target of route.targets) {
      const known =
        target.provider === "demo" ||
        standard.some((p) => p.id === target.provider) ||
        config.providers.some((p) => p.id === target.provider);
      if (!known) {
        throw new ConfigError(
          `Invalid routing configuration: route "${route.alias}" names unknown provider "${target.provider}"`,
        );
      }
    }
  }
  const routes = [
    ...defaultRoutes.filter((d) => !config.routes.some((r) => r.alias === d.alias)),
    ...config.routes,
  ];
  return { registry, table: new RoutingTable(registry, routes, { priced: options.priced }), routes };
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `Cannot read GATEWAY_CONFIG_FILE ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

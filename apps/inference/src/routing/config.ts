// Routing configuration: extra OpenAI-compatible providers and model aliases, from a JSON file
// (GATEWAY_CONFIG_FILE) and the seed's MINI_LLM_PROVIDERS / MINI_LLM_ROUTING env JSON. Invalid
// configuration stops start-up with a message naming the bad field.
import { z } from "zod";

export const FALLBACK_CONDITIONS = ["5xx", "4xx", "timeout", "rate_limit"] as const;
export type TFallbackOn = (typeof FALLBACK_CONDITIONS)[number];

/** An extra OpenAI-compatible provider (vLLM, Ollama, Together, ...), in the seed's shape. */
export const ZProviderConfig = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lowercase letters, digits, - and _"),
    name: z.string().optional(),
    /** Base URL. With `endpoints.chat` (seed style) it is the host; otherwise the API root, e.g. https://host/v1. */
    baseUrl: z.url({ protocol: /^https?$/ }),
    authHeader: z.string().default("Authorization"),
    authPrefix: z.string().default("Bearer "),
    /** The key itself (discouraged), or the env var holding it (default: <ID>_API_KEY). */
    apiKey: z.string().min(1).optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
    endpoints: z
      .object({ chat: z.string().startsWith("/"), models: z.string().startsWith("/").optional() })
      .optional(),
    models: z.array(z.string().min(1)).default([]),
    timeout: z.number().int().positive().optional(),
    /** Models served free on purpose (never billed); anything else needs a price. */
    freeModels: z.array(z.string()).default([]),
  })
  .strict();
export type TProviderConfig = z.infer<typeof ZProviderConfig>;

export const ZRouteConfig = z
  .object({
    alias: z.string().min(1),
    targets: z
      .array(
        z
          .object({
            provider: z.string().min(1),
            model: z.string().min(1),
            priority: z.number().int().optional(),
            weight: z.number().positive().optional(),
          })
          .strict(),
      )
      .min(1),
    fallbackOn: z.array(z.enum(FALLBACK_CONDITIONS)).default(["5xx", "timeout", "rate_limit"]),
    /** Per-attempt timeout in ms. */
    timeout: z.number().int().positive().optional(),
  })
  .strict();
export type TRouteConfig = z.infer<typeof ZRouteConfig>;

export const ZGatewayConfig = z
  .object({
    providers: z.array(ZProviderConfig).default([]),
    routes: z.array(ZRouteConfig).default([]),
  })
  .strict();
export type TGatewayConfig = z.infer<typeof ZGatewayConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function describe(source: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const path = issue?.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") ?? "";
  return new ConfigError(
    `Invalid routing configuration in ${source}: ${path.replace(/^\./, "") || "(root)"}: ${issue?.message}`,
  );
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Invalid routing configuration in ${source}: not JSON (${(error as Error).message})`,
    );
  }
}

export interface ConfigSources {
  /** Contents of the JSON config file, with its path for messages. */
  file?: { path: string; text: string } | undefined;
  /** MINI_LLM_PROVIDERS: a JSON array of provider configs. */
  providersJson?: string | undefined;
  /** MINI_LLM_ROUTING: a JSON array of route configs. */
  routingJson?: string | undefined;
}

/** Merges the sources; env entries override file entries with the same id / alias. */
export function loadGatewayConfig(sources: ConfigSources): TGatewayConfig {
  const merged: TGatewayConfig = { providers: [], routes: [] };
  if (sources.file) {
    const parsed = ZGatewayConfig.safeParse(parseJson(sources.file.path, sources.file.text));
    if (!parsed.success) throw describe(sources.file.path, parsed.error);
    merged.providers.push(...parsed.data.providers);
    merged.routes.push(...parsed.data.routes);
  }
  if (sources.providersJson) {
    const parsed = z.array(ZProviderConfig).safeParse(parseJson("MINI_LLM_PROVIDERS", sources.providersJson));
    if (!parsed.success) throw describe("MINI_LLM_PROVIDERS", parsed.error);
    for (const provider of parsed.data) {
      merged.providers = merged.providers.filter((p) => p.id !== provider.id);
      merged.providers.push(provider);
    }
  }
  if (sources.routingJson) {
    const parsed = z.array(ZRouteConfig).safeParse(parseJson("MINI_LLM_ROUTING", sources.routingJson));
    if (!parsed.success) throw describe("MINI_LLM_ROUTING", parsed.error);
    for (const route of parsed.data) {
      merged.routes = merged.routes.filter((r) => r.alias !== route.alias);
      merged.routes.push(route);
    }
  }
  return merged;
}

/** The seed's default aliases; configured routes with the same alias replace them. */
export const defaultRoutes: TRouteConfig[] = [
  {
    alias: "llama-70b",
    targets: [
      { provider: "nebius", model: "meta-llama/Meta-Llama-3.1-70B-Instruct", priority: 1 },
      { provider: "deepinfra", model: "meta-llama/Meta-Llama-3.1-70B-Instruct", priority: 2 },
    ],
    fallbackOn: ["5xx", "timeout", "rate_limit"],
    timeout: 30_000,
  },
  {
    alias: "llama-8b",
    targets: [
      { provider: "nebius", model: "meta-llama/Meta-Llama-3.1-8B-Instruct", priority: 1 },
      { provider: "deepinfra", model: "meta-llama/Meta-Llama-3.1-8B-Instruct", priority: 2 },
    ],
    fallbackOn: ["5xx", "timeout"],
    timeout: 30_000,
  },
  {
    alias: "gpt-4o",
    targets: [{ provider: "openai", model: "gpt-4o", priority: 1 }],
    fallbackOn: [],
    timeout: 60_000,
  },
  {
    alias: "claude-sonnet",
    targets: [{ provider: "anthropic", model: "claude-3-5-sonnet-20241022", priority: 1 }],
    fallbackOn: ["5xx"],
    timeout: 60_000,
  },
];

import { providerKinds } from "@gw/contracts";
import { envError, ZDatabaseEnv } from "@gw/db";
import { z } from "zod";

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const ZInferenceEnv = ZDatabaseEnv.extend({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  INFERENCE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/ })),
  // Providers: each is registered only when its key is set.
  OPENAI_API_KEY: optional(z.string()),
  OPENAI_BASE_URL: z.url().default(providerKinds.openai.defaultBaseUrl),
  ANTHROPIC_API_KEY: optional(z.string()),
  ANTHROPIC_BASE_URL: z.url().default(providerKinds.anthropic.defaultBaseUrl),
  NEBIUS_API_KEY: optional(z.string()),
  NEBIUS_BASE_URL: z.url().default("https://api.studio.nebius.ai/v1"),
  DEEPINFRA_API_KEY: optional(z.string()),
  DEEPINFRA_BASE_URL: z.url().default("https://api.deepinfra.com/v1/openai"),
  /** The built-in demo provider: auto = on unless NODE_ENV=production. */
  DEMO_PROVIDER: z.enum(["auto", "on", "off"]).default("auto"),
  DEMO_TOKEN_DELAY_MS: z.coerce.number().int().min(0).max(1000).default(15),
  /** A JSON routing config file: extra providers and aliases. */
  GATEWAY_CONFIG_FILE: optional(z.string()),
  /** The seed's env JSON: extra providers, and routes. */
  MINI_LLM_PROVIDERS: optional(z.string()),
  MINI_LLM_ROUTING: optional(z.string()),
  /** Per-attempt upstream timeout when neither route nor provider sets one. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /**
   * Browser origins allowed to call /v1 (comma-separated), e.g. the portal's playground.
   * Default: the embedded portal on localhost. Never "*" together with credentials.
   */
  ALLOWED_ORIGINS: z
    .string()
    .default("http://localhost:3005,http://127.0.0.1:3005")
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    ),
  /** Metering (keys' limits, credit reservations, usage records). Off only for proxy benchmarks. */
  METERING: z.enum(["on", "off"]).default("on"),
  /** Output cap injected when a client sends none, so every request's cost is bounded. */
  DEFAULT_MAX_OUTPUT_TOKENS: z.coerce.number().int().positive().default(8192),
  /**
   * A reservation's lease: its replica renews it while the request runs; a replica that dies (kill
   * -9, OOM) leaves it for at most this long (and releases it at its own restart).
   */
  RESERVATION_LEASE_MS: z.coerce.number().int().min(3_000).default(30_000),
  /** How long the Responses API's conversations are kept for previous_response_id / item_reference. */
  RESPONSES_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Where usage events are journaled until written (default: <DATA_DIR>/usage-journal). */
  USAGE_JOURNAL_DIR: optional(z.string()),
  /** The shared token portal-server uses on /internal/trpc. Unset: the internal router is off. */
  INTERNAL_SERVICE_TOKEN: optional(z.string().min(32, "use at least 32 characters")),
  /** 32 bytes (64 hex or base64) sealing organizations' own provider keys. Unset: BYOK is off. */
  ENCRYPTION_KEY: optional(z.string()),
  /** Allow BYOK base URLs on private networks (self-hosted models). */
  ALLOW_PRIVATE_PROVIDER_HOSTS: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Largest request body accepted, in bytes (images as data URLs are large). */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  /** Apply pending migrations at start-up (safe with many replicas: they queue on a lock). */
  MIGRATE_ON_START: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

export type TInferenceEnv = z.infer<typeof ZInferenceEnv> & {
  /** Every *_API_KEY variable, for configured providers that name theirs (`apiKeyEnv`). */
  secrets: Readonly<Record<string, string>>;
};

/** Parses the inference service's environment, once, at start-up. */
export function parseInferenceEnv(env: NodeJS.ProcessEnv): TInferenceEnv {
  const parsed = ZInferenceEnv.safeParse(env);
  if (!parsed.success) throw envError(parsed.error);
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.endsWith("_API_KEY") && value) secrets[name] = value;
  }
  return { ...parsed.data, secrets };
}

import { fileURLToPath } from "node:url";
import { envError, ZDatabaseEnv } from "@gw/db";
import { z } from "zod";

const defaultWebDist = fileURLToPath(new URL("../../portal-web/dist", import.meta.url));

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const flag = (fallback: "true" | "false") =>
  z
    .enum(["true", "false"])
    .default(fallback)
    .transform((v) => v === "true");

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    );

const ZPortalEnv = ZDatabaseEnv.extend({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORTAL_PORT: z.coerce.number().int().min(0).max(65535).default(3005),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/ })),
  /** The built portal-web app this server serves at `/`. */
  PORTAL_WEB_DIST: z.string().default(defaultWebDist),
  MIGRATE_ON_START: flag("true"),
  /** Where people reach the portal: links in invitation and reset emails, Stripe return URLs. */
  PORTAL_PUBLIC_URL: z.url().default("http://localhost:3005"),
  /**
   * Origins allowed to send mutations (CSRF): the portal's own origin(s). PORTAL_PUBLIC_URL's
   * origin is always allowed.
   */
  PORTAL_ORIGINS: list("http://localhost:3005,http://127.0.0.1:3005"),
  /** The public /v1 base URL shown to users (playground, code snippets). */
  INFERENCE_PUBLIC_URL: z.url().default("http://localhost:3000/v1"),
  /** The inference service's internal tRPC endpoint and its shared token. */
  INFERENCE_INTERNAL_URL: z.url().default("http://127.0.0.1:3000/internal/trpc"),
  INTERNAL_SERVICE_TOKEN: optional(z.string().min(32, "use at least 32 characters")),
  /** 32 bytes (64 hex or base64) sealing organizations' own provider keys. Unset: BYOK is off. */
  ENCRYPTION_KEY: optional(z.string()),
  /** Allow BYOK base URLs on private networks and plain http (self-hosted models). */
  ALLOW_PRIVATE_PROVIDER_HOSTS: flag("false"),
  /** Stripe Checkout top-ups: both set, or top-ups are off. */
  STRIPE_SECRET_KEY: optional(z.string().startsWith("sk_", "a Stripe secret key starts with sk_")),
  STRIPE_WEBHOOK_SECRET: optional(
    z.string().startsWith("whsec_", "a Stripe webhook secret starts with whsec_"),
  ),
  /** Outgoing mail (invitations, password resets), e.g. smtp://user:pass@mail:587. Unset: no mail. */
  SMTP_URL: optional(z.url({ protocol: /^smtps?$/ })),
  MAIL_FROM: z.string().default("LLM Gateway <no-reply@localhost>"),
  /**
   * The first account that signs up on an installation becomes its platform admin (so a
   * newcomer's embedded start can grant credits in the portal). Default: on unless production,
   * where the operator CLI makes admins (`users create --admin`).
   */
  FIRST_ACCOUNT_IS_ADMIN: optional(z.enum(["true", "false"]).transform((v) => v === "true")),
  /** Session lifetime, in days. */
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
});

export type TPortalEnv = z.infer<typeof ZPortalEnv>;

/** Parses the portal server's environment, once, at start-up. */
export function parsePortalEnv(env: NodeJS.ProcessEnv): TPortalEnv {
  const parsed = ZPortalEnv.safeParse(env);
  if (!parsed.success) throw envError(parsed.error);
  const data = parsed.data;
  if (Boolean(data.STRIPE_SECRET_KEY) !== Boolean(data.STRIPE_WEBHOOK_SECRET)) {
    throw new Error(
      "Invalid environment: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set together or not at all",
    );
  }
  data.FIRST_ACCOUNT_IS_ADMIN ??= data.NODE_ENV !== "production";
  const own = new URL(data.PORTAL_PUBLIC_URL).origin;
  if (!data.PORTAL_ORIGINS.includes(own)) data.PORTAL_ORIGINS.push(own);
  return data;
}

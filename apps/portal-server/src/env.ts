import { fileURLToPath } from "node:url";
import { envError, ZDatabaseEnv } from "@gw/db";
import { z } from "zod";

const defaultWebDist = fileURLToPath(new URL("../../portal-web/dist", import.meta.url));

const ZPortalEnv = ZDatabaseEnv.extend({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORTAL_PORT: z.coerce.number().int().min(0).max(65535).default(3005),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REDIS_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^rediss?$/ }).optional()),
  /** The built portal-web app this server serves at `/`. */
  PORTAL_WEB_DIST: z.string().default(defaultWebDist),
  MIGRATE_ON_START: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

export type TPortalEnv = z.infer<typeof ZPortalEnv>;

/** Parses the portal server's environment, once, at start-up. */
export function parsePortalEnv(env: NodeJS.ProcessEnv): TPortalEnv {
  const parsed = ZPortalEnv.safeParse(env);
  if (!parsed.success) throw envError(parsed.error);
  return parsed.data;
}

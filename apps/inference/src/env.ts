import { envError, ZDatabaseEnv } from "@gw/db";
import { z } from "zod";

const ZInferenceEnv = ZDatabaseEnv.extend({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  INFERENCE_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  REDIS_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url({ protocol: /^rediss?$/ }).optional()),
  /** Apply pending migrations at start-up (safe with many replicas: they queue on a lock). */
  MIGRATE_ON_START: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

export type TInferenceEnv = z.infer<typeof ZInferenceEnv>;

/** Parses the inference service's environment, once, at start-up. */
export function parseInferenceEnv(env: NodeJS.ProcessEnv): TInferenceEnv {
  const parsed = ZInferenceEnv.safeParse(env);
  if (!parsed.success) throw envError(parsed.error);
  return parsed.data;
}

import fastifyCookie from "@fastify/cookie";
import type { Database } from "@gw/db";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { Redis } from "ioredis";
import type { TPortalEnv } from "./env.ts";
import { trpcPlugin } from "./plugins/trpc-plugin.ts";
import { healthRoutes } from "./routes/health.ts";
import { stripeWebhookRoutes } from "./routes/stripe-webhook.ts";
import { webAppRoutes } from "./routes/web-app.ts";
import { createPortalServices } from "./services/portal-services.ts";

export interface PortalDeps {
  env: TPortalEnv;
  db: Database;
  /** Where log lines go (default stdout); tests capture them to prove no secret is ever logged. */
  logStream?: { write(line: string): void };
}

/** Header and body fields that hold secrets: never written to a log line. */
export const redactedLogPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "password",
  "apiKey",
];

/** The portal server as a Fastify instance; nothing listens until the caller says so. */
export async function buildApp(deps: PortalDeps): Promise<FastifyInstance> {
  const { env, db } = deps;
  const app = Fastify({
    logger:
      env.LOG_LEVEL === "silent"
        ? false
        : {
            level: env.LOG_LEVEL,
            redact: redactedLogPaths,
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          },
    // Per-request access logs cost CPU on every call; the audit log records what matters.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: env.NODE_ENV === "production",
    // Room for the largest input (a webhook, a CSV of prices), no more.
    bodyLimit: 1024 * 1024,
  });
  const redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 })
    : undefined;
  redis?.on("error", () => {});
  const services = createPortalServices({ env, db, redis, log: app.log });
  app.addHook("onClose", async () => {
    redis?.disconnect();
  });
  await app.register(fastifyCookie);
  await app.register(healthRoutes, { db });
  await app.register(trpcPlugin, { services });
  await app.register(stripeWebhookRoutes, { services });
  await app.register(webAppRoutes, { dist: env.PORTAL_WEB_DIST });
  return app;
}

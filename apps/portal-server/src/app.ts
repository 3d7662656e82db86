import type { Database } from "@gw/db";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { TPortalEnv } from "./env.ts";
import { healthRoutes } from "./routes/health.ts";
import { webAppRoutes } from "./routes/web-app.ts";

export interface PortalDeps {
  env: TPortalEnv;
  db: Database;
}

/** The portal server as a Fastify instance; nothing listens until the caller says so. */
export async function buildApp(deps: PortalDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.env.LOG_LEVEL === "silent" ? false : { level: deps.env.LOG_LEVEL },
    // Per-request access logs cost CPU on every call; requests are recorded where it matters.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(healthRoutes, { db: deps.db });
  await app.register(webAppRoutes, { dist: deps.env.PORTAL_WEB_DIST });
  return app;
}

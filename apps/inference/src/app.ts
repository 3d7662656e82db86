import type { Database } from "@gw/db";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { TInferenceEnv } from "./env.ts";
import { healthRoutes } from "./routes/health.ts";

export interface InferenceDeps {
  env: TInferenceEnv;
  db: Database;
}

/** The inference service as a Fastify instance; nothing listens until the caller says so. */
export async function buildApp(deps: InferenceDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.env.LOG_LEVEL === "silent" ? false : { level: deps.env.LOG_LEVEL },
    // Per-request access logs cost CPU on every call; requests are recorded where it matters.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(healthRoutes, { db: deps.db });
  return app;
}

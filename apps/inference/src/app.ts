import cors from "@fastify/cors";
import type { Database } from "@gw/db";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { createDbKeyStore, type KeyStore } from "./auth/key-store.ts";
import type { TInferenceEnv } from "./env.ts";
import { installV1Surface, newRequestId } from "./http/v1-plugin.ts";
import { chatCompletionsRoute } from "./routes/chat-completions.ts";
import { completionsRoute } from "./routes/completions.ts";
import { embeddingsRoute } from "./routes/embeddings.ts";
import { healthRoutes } from "./routes/health.ts";
import { modelsRoute } from "./routes/models.ts";
import { buildRouting } from "./routing/build-registry.ts";
import { CircuitBreaker } from "./routing/circuit-breaker.ts";
import type { InferenceContext } from "./services/inference-context.ts";

export interface InferenceDeps {
  env: TInferenceEnv;
  db: Database;
  /** Defaults to PostgreSQL lookups by key hash. */
  keys?: KeyStore;
}

/** The inference service as a Fastify instance; nothing listens until the caller says so. */
export async function buildApp(deps: InferenceDeps): Promise<FastifyInstance> {
  const { env } = deps;
  const ctx: InferenceContext = {
    routing: buildRouting(env),
    breaker: new CircuitBreaker(),
    keys: deps.keys ?? createDbKeyStore(deps.db),
    defaultTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
  };
  const app = Fastify({
    logger:
      env.LOG_LEVEL === "silent"
        ? false
        : {
            level: env.LOG_LEVEL,
            redact: ["req.headers.authorization", 'req.headers["x-api-key"]', "req.headers.cookie"],
          },
    // Per-request access logs cost CPU on every call; requests are recorded where it matters.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: env.BODY_LIMIT_BYTES,
    genReqId: newRequestId,
  });
  // Browsers may call /v1 only from allowed origins; API keys travel in headers, not cookies.
  await app.register(cors, {
    origin: env.ALLOWED_ORIGINS.includes("*") ? true : env.ALLOWED_ORIGINS,
    credentials: false,
    methods: ["GET", "POST", "OPTIONS"],
    // Request headers are reflected: the openai SDK in a browser sends its own x-stainless-* set.
    exposedHeaders: [
      "x-request-id",
      "x-gateway-provider",
      "retry-after",
      "x-ratelimit-limit-requests",
      "x-ratelimit-remaining-requests",
      "x-ratelimit-reset-requests",
      "x-ratelimit-limit-tokens",
      "x-ratelimit-remaining-tokens",
      "x-ratelimit-reset-tokens",
    ],
    maxAge: 600,
  });
  installV1Surface(app, ctx.keys);
  await app.register(healthRoutes, { db: deps.db });
  await app.register(chatCompletionsRoute, { ctx });
  await app.register(completionsRoute, { ctx });
  await app.register(embeddingsRoute, { ctx });
  await app.register(modelsRoute, { ctx });
  return app;
}

import cors from "@fastify/cors";
import type { Database } from "@gw/db";
import { createSecretBox } from "@gw/server-kit";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { Redis } from "ioredis";
import { createCachedKeyStore } from "./auth/key-cache.ts";
import { createKeyInvalidation } from "./auth/key-invalidation.ts";
import { createDbKeyStore } from "./auth/key-store.ts";
import type { TInferenceEnv } from "./env.ts";
import { installV1Surface, newRequestId } from "./http/v1-plugin.ts";
import { internalTrpcPlugin } from "./internal/plugin.ts";
import { buildMetering } from "./metering/build-metering.ts";
import { type PipelineContext, routingTableFor } from "./pipeline/context.ts";
import { healthRoutes } from "./routes/health.ts";
import { modelsRoute } from "./routes/models.ts";
import { v1EndpointRoutes } from "./routes/v1-endpoints.ts";
import { buildRouting } from "./routing/build-registry.ts";
import { CircuitBreaker } from "./routing/circuit-breaker.ts";
import { createOrgRouting } from "./routing/org-routing.ts";
import { createResponseStore } from "./services/response-store.ts";

export interface InferenceDeps {
  env: TInferenceEnv;
  db: Database;
  /** Where log lines go (default stdout); tests capture them to prove no secret is ever logged. */
  logStream?: { write(line: string): void };
}

const RATE_LIMIT_EXPOSED = ["requests", "tokens"].flatMap((d) =>
  ["limit", "remaining", "reset"].map((k) => `x-ratelimit-${k}-${d}`),
);

const REDIS_START_WAIT_MS = 2_000;

function redisClient(url: string): Redis {
  // Fail fast rather than queue: every Redis caller has a fallback or a fail-closed answer.
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
}

/**
 * Resolves once the client is connected, or after `ms` (then it keeps connecting in the background
 * and the stores answer "unavailable" meanwhile): a replica starts serving with Redis up, instead
 * of refusing its first requests while the connection is still being made.
 */
function redisReady(client: Redis, ms: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once("ready", done);
  });
}

/** The inference service as a Fastify instance; nothing listens until the caller says so. */
export async function buildApp(deps: InferenceDeps): Promise<FastifyInstance> {
  const { env, db } = deps;
  const app = Fastify({
    logger:
      env.LOG_LEVEL === "silent"
        ? false
        : {
            level: env.LOG_LEVEL,
            redact: ["req.headers.authorization", 'req.headers["x-api-key"]', "req.headers.cookie"],
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          },
    // Per-request access logs cost CPU on every call; every request has its usage record instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: env.BODY_LIMIT_BYTES,
    genReqId: newRequestId,
  });

  const redis = env.REDIS_URL ? redisClient(env.REDIS_URL) : undefined;
  const subscriber = env.REDIS_URL ? redisClient(env.REDIS_URL) : undefined;
  for (const client of [redis, subscriber]) client?.on("error", () => {});
  await Promise.all([redis, subscriber].map((client) => client && redisReady(client, REDIS_START_WAIT_MS)));
  const keys = createCachedKeyStore({ source: createDbKeyStore(db), redis, logger: app.log });
  const invalidation = createKeyInvalidation({ redis, subscriber, store: keys, logger: app.log });
  await invalidation
    .start()
    .catch((error: unknown) => app.log.warn({ err: error }, "key invalidation not subscribed yet; retrying"));
  const metering = await buildMetering({
    enabled: env.METERING === "on",
    db,
    redis,
    dataDir: env.DATA_DIR,
    journalDir: env.USAGE_JOURNAL_DIR,
    reservationLeaseMs: env.RESERVATION_LEASE_MS,
    log: app.log,
  });
  const { meter } = metering;
  // A model named <provider>/<model> is served when its provider lists it or it has a price.
  const routing = buildRouting(env, { priced: meter.priced });
  const orgRouting = env.ENCRYPTION_KEY
    ? createOrgRouting({
        db,
        platform: routing,
        secretBox: createSecretBox(env.ENCRYPTION_KEY),
        allowPrivateHosts: env.ALLOW_PRIVATE_PROVIDER_HOSTS,
        timeoutMs: env.UPSTREAM_TIMEOUT_MS,
        log: app.log,
      })
    : undefined;
  const responses = createResponseStore(db, env.RESPONSES_RETENTION_DAYS);
  const ctx: PipelineContext = {
    orgRouting,
    routing,
    breaker: new CircuitBreaker(),
    meter,
    defaultTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    defaultMaxOutputTokens: env.DEFAULT_MAX_OUTPUT_TOKENS,
    responses,
    log: app.log,
  };
  // Stored conversations past their retention go hourly (and once at start).
  const purge = () =>
    responses
      .purgeExpired()
      .catch((error: unknown) => app.log.warn({ err: error }, "responses: purge failed"));
  const purgeTimer = setInterval(purge, 3_600_000).unref();
  app.addHook("onReady", async () => void purge());
  app.addHook("onClose", async () => {
    clearInterval(purgeTimer);
    await meter.close();
    await invalidation.close();
    await keys.close();
    for (const client of [redis, subscriber]) client?.disconnect();
  });

  // Browsers may call /v1 only from allowed origins; API keys travel in headers, not cookies.
  await app.register(cors, {
    origin: env.ALLOWED_ORIGINS.includes("*") ? true : env.ALLOWED_ORIGINS,
    credentials: false,
    methods: ["GET", "POST", "OPTIONS"],
    // Request headers are reflected: the openai SDK in a browser sends its own x-stainless-* set.
    exposedHeaders: ["x-request-id", "x-gateway-provider", "retry-after", ...RATE_LIMIT_EXPOSED],
    maxAge: 600,
  });
  installV1Surface(app, keys);
  await app.register(healthRoutes, { db, redis });
  await app.register(v1EndpointRoutes, { ctx });
  await app.register(modelsRoute, { ctx });
  if (env.INTERNAL_SERVICE_TOKEN) {
    await app.register(internalTrpcPlugin, {
      deps: {
        db,
        routing,
        prices: metering.prices,
        credits: metering.credits,
        orgRouting,
        keyChanges: invalidation,
        tableFor: (orgId) => routingTableFor(ctx, orgId),
        allowPrivateProviderHosts: env.ALLOW_PRIVATE_PROVIDER_HOSTS,
        serviceToken: env.INTERNAL_SERVICE_TOKEN,
      },
    });
  }
  return app;
}

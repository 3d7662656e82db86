import type { Database } from "@gw/db";
import type { FastifyPluginAsync } from "fastify";
import type { Redis } from "ioredis";

const REDIS_PING_TIMEOUT_MS = 1_000;

async function pingRedis(redis: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), REDIS_PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/health`: the process is up. `/ready`: its dependencies answer, so it can take traffic. */
export const healthRoutes: FastifyPluginAsync<{ db: Database; redis?: Redis | undefined }> = async (
  app,
  { db, redis },
) => {
  app.get("/health", async () => ({ status: "ok" }));
  app.get("/ready", async (_request, reply) => {
    const [database, cache] = await Promise.all([
      db.ping().then(
        () => "ok" as const,
        () => "unreachable" as const,
      ),
      redis
        ? pingRedis(redis).then(
            () => "ok" as const,
            () => "unreachable" as const,
          )
        : undefined,
    ]);
    const checks = { database, ...(cache ? { redis: cache } : {}) };
    const ready = database === "ok" && cache !== "unreachable";
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", checks });
  });
};

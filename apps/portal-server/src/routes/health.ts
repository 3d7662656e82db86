import type { Database } from "@gw/db";
import type { FastifyPluginAsync } from "fastify";

/** `/health`: the process is up. `/ready`: its dependencies answer, so it can take traffic. */
export const healthRoutes: FastifyPluginAsync<{ db: Database }> = async (app, { db }) => {
  app.get("/health", async () => ({ status: "ok" }));
  app.get("/ready", async (_request, reply) => {
    try {
      await db.ping();
      return { status: "ready", checks: { database: "ok" } };
    } catch {
      return reply.code(503).send({ status: "unavailable", checks: { database: "unreachable" } });
    }
  });
};

import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

/**
 * Serves the built portal-web app at `/`, with index.html for client-side routes. API paths
 * (/trpc, /webhooks, /health, /ready) are never answered with the app.
 */
export const webAppRoutes: FastifyPluginAsync<{ dist: string }> = async (app, { dist }) => {
  const index = join(dist, "index.html");
  if (!existsSync(index)) {
    app.log.warn(`portal-web is not built (${index} is missing): run npm run build`);
    app.get("/", async (_request, reply) =>
      reply.code(503).type("text/plain").send("The portal web app is not built. Run: npm run build"),
    );
    return;
  }
  await app.register(fastifyStatic, { root: dist, wildcard: false, index: "index.html" });
  app.setNotFoundHandler((request, reply) => {
    const apiPath = /^\/(trpc|webhooks|health|ready|api)(\/|$)/.test(request.url);
    if (request.method === "GET" && !apiPath && request.headers.accept?.includes("text/html")) {
      return reply.type("text/html").sendFile("index.html");
    }
    return reply.code(404).send({ error: { message: "Not found", code: "NOT_FOUND" } });
  });
};

import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import type { FastifyPluginAsync } from "fastify";
import type { PortalServices } from "../services/portal-services.ts";
import { createContextFactory } from "../trpc/context.ts";
import { type AppRouter, appRouter } from "../trpc/root.ts";

/**
 * The portal's procedures at /trpc. CSRF: a mutation (any POST) is taken only with a JSON body
 * and an Origin from PORTAL_ORIGINS; a form post or another site's page is refused before any
 * procedure runs. Session cookies are SameSite=Lax on top of that.
 */
export const trpcPlugin: FastifyPluginAsync<{ services: PortalServices }> = async (app, { services }) => {
  const allowed = new Set(services.env.PORTAL_ORIGINS);
  app.addHook("onRequest", async (request, reply) => {
    if (request.method !== "POST") return;
    const type = request.headers["content-type"] ?? "";
    const origin = request.headers.origin;
    if (!/^application\/json(\s*;|$)/i.test(type)) {
      return reply.code(415).send({ error: { message: "Mutations need a JSON body.", code: "CSRF" } });
    }
    if (!origin || !allowed.has(origin)) {
      return reply
        .code(403)
        .send({ error: { message: "This origin may not call the portal.", code: "CSRF" } });
    }
  });
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: createContextFactory(services),
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR")
          app.log.error({ err: error.cause ?? error, path }, "portal procedure failed");
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });
};

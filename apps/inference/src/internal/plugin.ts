import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import type { FastifyPluginAsync } from "fastify";
import { type InternalRouter, internalRouter } from "./router.ts";
import { createInternalContext, type InternalDeps } from "./trpc.ts";

/** The internal tRPC contract at /internal/trpc. */
export const internalTrpcPlugin: FastifyPluginAsync<{ deps: InternalDeps }> = async (app, { deps }) => {
  await app.register(fastifyTRPCPlugin, {
    prefix: "/internal/trpc",
    trpcOptions: {
      router: internalRouter,
      createContext: createInternalContext(deps),
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR")
          app.log.error({ err: error.cause ?? error, path }, "internal procedure failed");
      },
    } satisfies FastifyTRPCPluginOptions<InternalRouter>["trpcOptions"],
  });
};

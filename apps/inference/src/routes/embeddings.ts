import { ZEmbeddingRequest } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { invalidRequest } from "../errors.ts";
import { abortOnClientClose } from "../http/client-abort.ts";
import { runEmbeddings } from "../services/embeddings.ts";
import type { InferenceContext } from "../services/inference-context.ts";

export const embeddingsRoute: FastifyPluginAsync<{ ctx: InferenceContext }> = async (app, { ctx }) => {
  app.post("/v1/embeddings", async (request, reply) => {
    const parsed = ZEmbeddingRequest.safeParse(request.body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const served = await runEmbeddings(ctx, {
      requestId: request.id,
      identity: request.identity!,
      body: parsed.data,
      signal: abortOnClientClose(reply),
    });
    if (served.ticket) reply.headers(served.ticket.headers);
    reply.header("x-gateway-provider", served.target.provider.id);
    return served.result;
  });
};

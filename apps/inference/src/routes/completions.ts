import { ZCompletionRequest } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { abortOnClientClose } from "../http/client-abort.ts";
import { invalidRequest, toGatewayError } from "../http/errors.ts";
import { pipeSse, startSse } from "../http/sse.ts";
import type { Completion } from "../providers/types.ts";
import { runCompletions } from "../services/completions.ts";
import type { InferenceContext } from "../services/inference-context.ts";

export const completionsRoute: FastifyPluginAsync<{ ctx: InferenceContext }> = async (app, { ctx }) => {
  app.post("/v1/completions", async (request, reply) => {
    const parsed = ZCompletionRequest.safeParse(request.body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const body = parsed.data;
    const served = await runCompletions(ctx, request.identity!, body, abortOnClientClose(reply));
    reply.header("x-gateway-provider", served.target.provider.id);
    if (!served.stream) return served.result;
    const includeUsage = body.stream_options?.include_usage === true;
    await pipeSse<Completion>(startSse(reply), served.result.first, served.result.rest, {
      visible: (chunk) => includeUsage || chunk.choices.length > 0,
      errorEnvelope: (error) => toGatewayError(error).envelope(),
    });
  });
};

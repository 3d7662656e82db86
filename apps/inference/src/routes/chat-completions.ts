import { ZChatCompletionRequest } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { abortOnClientClose } from "../http/client-abort.ts";
import { invalidRequest, toGatewayError } from "../http/errors.ts";
import { pipeSse, startSse } from "../http/sse.ts";
import type { ChatCompletionChunk } from "../providers/types.ts";
import { runChat } from "../services/chat.ts";
import type { InferenceContext } from "../services/inference-context.ts";

export const chatCompletionsRoute: FastifyPluginAsync<{ ctx: InferenceContext }> = async (app, { ctx }) => {
  app.post("/v1/chat/completions", async (request, reply) => {
    const parsed = ZChatCompletionRequest.safeParse(request.body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const body = parsed.data;
    const signal = abortOnClientClose(reply);
    const result = await runChat(ctx, request.identity!, body, signal);
    reply.header("x-gateway-provider", result.target.provider.id);
    if (!result.stream) return result.completion;

    const includeUsage = body.stream_options?.include_usage === true;
    await pipeSse<ChatCompletionChunk>(startSse(reply), result.first, result.rest, {
      // The usage chunk (no choices) only when the client asked for it.
      visible: (chunk) => includeUsage || chunk.choices.length > 0,
      errorEnvelope: (error) => toGatewayError(error).envelope(),
    });
  });
};

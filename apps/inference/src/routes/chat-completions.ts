import { ZChatCompletionRequest } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { invalidRequest, toGatewayError } from "../errors.ts";
import { abortOnClientClose } from "../http/client-abort.ts";
import { pipeSse, startSse } from "../http/sse.ts";
import { usageFromOpenAI } from "../metering/pricing/cost.ts";
import type { ChatCompletionChunk } from "../providers/types.ts";
import { runChat } from "../services/chat.ts";
import type { InferenceContext } from "../services/inference-context.ts";
import { StreamTally } from "../services/stream-tally.ts";

export const chatCompletionsRoute: FastifyPluginAsync<{ ctx: InferenceContext }> = async (app, { ctx }) => {
  app.post("/v1/chat/completions", async (request, reply) => {
    const parsed = ZChatCompletionRequest.safeParse(request.body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const body = parsed.data;
    const signal = abortOnClientClose(reply);
    const result = await runChat(ctx, { requestId: request.id, identity: request.identity!, body, signal });
    if (result.ticket) reply.headers(result.ticket.headers);
    reply.header("x-gateway-provider", result.target.provider.id);
    if (!result.stream) return result.completion;

    const includeUsage = body.stream_options?.include_usage === true;
    const tally = new StreamTally();
    await pipeSse<ChatCompletionChunk>(startSse(reply), result.first, result.rest, {
      // The usage chunk (no choices) only when the client asked for it.
      visible: (chunk) => includeUsage || chunk.choices.length > 0,
      onChunk: (chunk) => tally.add(chunk),
      errorEnvelope: (error) => toGatewayError(error).envelope(),
      beforeEnd: (outcome) =>
        result.ticket?.settle({
          outcome: outcome.error ? "upstream_error" : outcome.clientClosed ? "cancelled" : "success",
          httpStatus: 200,
          errorCode: outcome.error?.error.code ?? null,
          target: result.target,
          usage: tally.usage ? usageFromOpenAI(tally.usage) : undefined,
          estimatedOutputTokens: tally.usage ? undefined : tally.estimateOutputTokens(),
          attempts: result.attempts.length,
          ttftMs: result.ttftMs,
        }),
    });
  });
};

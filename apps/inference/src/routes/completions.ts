import { ZCompletionRequest } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { invalidRequest, toGatewayError } from "../errors.ts";
import { abortOnClientClose } from "../http/client-abort.ts";
import { pipeSse, startSse } from "../http/sse.ts";
import { usageFromOpenAI } from "../metering/pricing/cost.ts";
import type { Completion } from "../providers/types.ts";
import { runCompletions } from "../services/completions.ts";
import type { InferenceContext } from "../services/inference-context.ts";
import { countTextTokens } from "../tokens/tokenizer.ts";

export const completionsRoute: FastifyPluginAsync<{ ctx: InferenceContext }> = async (app, { ctx }) => {
  app.post("/v1/completions", async (request, reply) => {
    const parsed = ZCompletionRequest.safeParse(request.body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const body = parsed.data;
    const served = await runCompletions(ctx, {
      requestId: request.id,
      identity: request.identity!,
      body,
      signal: abortOnClientClose(reply),
    });
    if (served.ticket) reply.headers(served.ticket.headers);
    reply.header("x-gateway-provider", served.target.provider.id);
    if (!served.stream) return served.result;
    const includeUsage = body.stream_options?.include_usage === true;
    let usage: Completion["usage"];
    const texts: string[] = [];
    await pipeSse<Completion>(startSse(reply), served.result.first, served.result.rest, {
      visible: (chunk) => includeUsage || chunk.choices.length > 0,
      onChunk: (chunk) => {
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices) if (choice.text) texts.push(choice.text);
      },
      errorEnvelope: (error) => toGatewayError(error).envelope(),
      beforeEnd: (outcome) =>
        served.ticket?.settle({
          outcome: outcome.error ? "upstream_error" : outcome.clientClosed ? "cancelled" : "success",
          httpStatus: 200,
          errorCode: outcome.error?.error.code ?? null,
          target: served.target,
          usage: usage ? usageFromOpenAI(usage) : undefined,
          estimatedOutputTokens: usage ? undefined : countTextTokens(texts.join("")),
          attempts: served.attempts.length,
          ttftMs: served.ttftMs,
        }),
    });
  });
};

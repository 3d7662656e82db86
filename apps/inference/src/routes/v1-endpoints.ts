// The /v1 endpoints that call a model, each handed with its raw body to the pipeline (which parses
// it), and the token-counting endpoints, which are free and never reach it.
import { ZCountTokensRequest, ZResponsesInputTokensRequest } from "@gw/contracts";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { withAnthropicRateLimitHeaders } from "../dialects/anthropic-messages/anthropic-rate-limit-headers.ts";
import type { ErrorDialect } from "../dialects/error-reply.ts";
import { abortOnClientClose } from "../http/client-abort.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import { countTokens } from "../pipeline/count-tokens.ts";
import { type EndpointSpec, parseWith } from "../pipeline/endpoint.ts";
import { chatEndpoint } from "../pipeline/endpoints/chat.ts";
import { completionsEndpoint } from "../pipeline/endpoints/completions.ts";
import { embeddingsEndpoint } from "../pipeline/endpoints/embeddings.ts";
import { anthropicHeaders, messagesEndpoint } from "../pipeline/endpoints/messages.ts";
import { countResponsesPromptTokens, responsesEndpoint } from "../pipeline/endpoints/responses.ts";
import { runEndpoint } from "../pipeline/run.ts";
import type { MessageCountTokensParams } from "../providers/types.ts";
import { countMessagesPromptTokens } from "../tokens/tokenizer.ts";

function post<Body, Result, Chunk>(
  app: FastifyInstance,
  ctx: PipelineContext,
  path: string,
  spec: EndpointSpec<Body, Result, Chunk>,
  dialect: ErrorDialect = "openai",
): void {
  app.post(path, { config: { dialect } }, (request, reply) =>
    runEndpoint(ctx, spec, {
      id: request.id,
      identity: request.identity!,
      body: request.body,
      headers: request.headers,
      reply,
    }),
  );
}

const parseCountTokens = parseWith(ZCountTokensRequest);
const parseInputTokens = parseWith(ZResponsesInputTokensRequest);

export const v1EndpointRoutes: FastifyPluginAsync<{ ctx: PipelineContext }> = async (app, { ctx }) => {
  post(app, ctx, "/v1/chat/completions", chatEndpoint);
  post(app, ctx, "/v1/completions", completionsEndpoint);
  post(app, ctx, "/v1/embeddings", embeddingsEndpoint);
  post(app, ctx, "/v1/messages", messagesEndpoint, "anthropic");
  post(app, ctx, "/v1/responses", responsesEndpoint);

  app.post("/v1/responses/input_tokens", async (request, reply) => {
    const body = parseInputTokens(request.body);
    const counted = await countTokens(ctx, {
      requestId: request.id,
      identity: request.identity!,
      model: body.model,
      signal: abortOnClientClose(reply),
      upstream: () => undefined,
      estimate: () => countResponsesPromptTokens(body),
    });
    reply.headers(counted.headers);
    return { object: "response.input_tokens", input_tokens: counted.inputTokens };
  });

  app.post("/v1/messages/count_tokens", { config: { dialect: "anthropic" } }, async (request, reply) => {
    const body = parseCountTokens(request.body);
    const counted = await countTokens(ctx, {
      requestId: request.id,
      identity: request.identity!,
      model: body.model,
      signal: abortOnClientClose(reply),
      upstream: (adapter, model, options) =>
        adapter.countMessageTokens?.({ ...body, model } as MessageCountTokensParams, {
          ...options,
          ...anthropicHeaders(request.headers),
        }),
      estimate: () => countMessagesPromptTokens(body),
    });
    reply.headers(withAnthropicRateLimitHeaders(counted.headers));
    return { input_tokens: counted.inputTokens };
  });
};

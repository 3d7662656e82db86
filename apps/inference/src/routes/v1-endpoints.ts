// The /v1 endpoints that call a model: each parses its body and hands the request to the pipeline.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { ErrorDialect } from "../dialects/error-reply.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import type { EndpointSpec } from "../pipeline/endpoint.ts";
import { chatEndpoint } from "../pipeline/endpoints/chat.ts";
import { completionsEndpoint } from "../pipeline/endpoints/completions.ts";
import { embeddingsEndpoint } from "../pipeline/endpoints/embeddings.ts";
import { runEndpoint } from "../pipeline/run.ts";

function post<Body, Result, Chunk>(
  app: FastifyInstance,
  ctx: PipelineContext,
  path: string,
  spec: EndpointSpec<Body, Result, Chunk>,
  dialect: ErrorDialect = "openai",
): void {
  app.post(path, { config: { dialect } }, (request, reply) => {
    const body = spec.parse(request.body, request.headers);
    return runEndpoint(ctx, spec, body, { id: request.id, identity: request.identity!, reply });
  });
}

export const v1EndpointRoutes: FastifyPluginAsync<{ ctx: PipelineContext }> = async (app, { ctx }) => {
  post(app, ctx, "/v1/chat/completions", chatEndpoint);
  post(app, ctx, "/v1/completions", completionsEndpoint);
  post(app, ctx, "/v1/embeddings", embeddingsEndpoint);
};

import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { authenticate } from "../auth/authenticate.ts";
import type { KeyIdentity, KeyStore } from "../auth/key-store.ts";
import { withAnthropicRateLimitHeaders } from "../dialects/anthropic-messages/anthropic-rate-limit-headers.ts";
import { type ErrorDialect, errorReply } from "../dialects/error-reply.ts";
import { GatewayError, toGatewayError } from "../errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified API key of a /v1 request. */
    identity?: KeyIdentity;
  }
  interface FastifyContextConfig {
    /** The error envelope the route answers in; unset: Anthropic's when the request carries `anthropic-version`. */
    dialect?: ErrorDialect;
  }
}

/** The dialect a request's errors are written in. */
export function dialectOf(request: FastifyRequest): ErrorDialect {
  const routed = request.routeOptions.config?.dialect;
  if (routed !== undefined) return routed;
  if (request.url.startsWith("/v1/messages")) return "anthropic";
  return request.headers["anthropic-version"] === undefined ? "openai" : "anthropic";
}

export const newRequestId = (): string => `req_${randomUUID().replaceAll("-", "")}`;

/**
 * Cross-cutting behaviour of the public surface: an `x-request-id` on every response (and
 * Anthropic's `request-id` in its dialect), API-key authentication of /v1 before the body is even
 * read, and every error in the envelope of the route's dialect (error-reply.ts).
 */
export function installV1Surface(app: FastifyInstance, keys: KeyStore): void {
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (dialectOf(request) === "anthropic") reply.header("request-id", request.id);
    if (request.url.startsWith("/v1/")) request.identity = await authenticate(keys, request.headers);
  });

  app.setErrorHandler((error, request, reply) => {
    // The client went away: nobody reads the answer, and its going is not the gateway's error.
    if (request.socket?.destroyed && !reply.raw.headersSent) return reply.code(499).send();
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === "internal_error")
      request.log.error({ err: error, requestId: request.id }, "unhandled error");
    const dialect = dialectOf(request);
    const { status, body } = errorReply(dialect, gatewayError);
    const headers =
      dialect === "anthropic" ? withAnthropicRateLimitHeaders(gatewayError.headers) : gatewayError.headers;
    reply.code(status).headers(headers).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const message = `Invalid URL (${request.method} ${request.url.split("?")[0]})`;
    if (dialectOf(request) === "anthropic") {
      const { body } = errorReply("anthropic", new GatewayError("model_not_found", message));
      return reply.code(404).send(body);
    }
    reply.code(404).send({ error: { message, type: "invalid_request_error", param: null, code: null } });
  });
}

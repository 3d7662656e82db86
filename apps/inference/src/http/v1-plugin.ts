import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { authenticate } from "../auth/authenticate.ts";
import type { KeyIdentity, KeyStore } from "../auth/key-store.ts";
import { toGatewayError } from "../errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified API key of a /v1 request. */
    identity?: KeyIdentity;
  }
}

export const newRequestId = (): string => `req_${randomUUID().replaceAll("-", "")}`;

/**
 * Cross-cutting behaviour of the public surface: an `x-request-id` on every response, API-key
 * authentication of /v1 before the body is even read, and every error as an OpenAI envelope.
 */
export function installV1Surface(app: FastifyInstance, keys: KeyStore): void {
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (request.url.startsWith("/v1/")) request.identity = await authenticate(keys, request.headers);
  });

  app.setErrorHandler((error, request, reply) => {
    // The client went away: nobody reads the answer, and its going is not the gateway's error.
    if (request.socket?.destroyed && !reply.raw.headersSent) return reply.code(499).send();
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === "internal_error")
      request.log.error({ err: error, requestId: request.id }, "unhandled error");
    reply.code(gatewayError.status).headers(gatewayError.headers).send(gatewayError.envelope());
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: {
        message: `Invalid URL (${request.method} ${request.url.split("?")[0]})`,
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });
}

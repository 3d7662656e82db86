import type { FastifyReply } from "fastify";

/** An AbortSignal that fires when the client goes away before the response has finished. */
export function abortOnClientClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("the client closed the connection"));
  });
  return controller.signal;
}

// @fastify/cookie's types (request.cookies, reply.setCookie) for whoever reads this file's types,
// including the web app through the AppRouter type.
import type {} from "@fastify/cookie";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { PortalServices } from "../services/portal-services.ts";
import { type AuthenticatedSession, sessionCookieName } from "../services/sessions.ts";

export interface PortalContext {
  services: PortalServices;
  req: FastifyRequest;
  res: FastifyReply;
  ip: string;
  userAgent: string | null;
  /** The signed-in session, or null. */
  session: AuthenticatedSession | null;
}

export function createContextFactory(services: PortalServices) {
  return async ({ req, res }: CreateFastifyContextOptions): Promise<PortalContext> => {
    const token = req.cookies[sessionCookieName];
    const session = token ? await services.sessions.authenticate(token) : null;
    return {
      services,
      req,
      res,
      ip: req.ip,
      userAgent: req.headers["user-agent"]?.slice(0, 300) ?? null,
      session,
    };
  };
}

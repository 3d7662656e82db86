import type { PortalContext } from "../trpc/context.ts";
import { sessionCookieName } from "./sessions.ts";

/** httpOnly, SameSite=Lax, Secure in production: the token is never readable by scripts. */
export function setSessionCookie(ctx: PortalContext, session: { token: string; expiresAt: Date }) {
  ctx.res.setCookie(sessionCookieName, session.token, {
    httpOnly: true,
    sameSite: "lax",
    secure: ctx.services.env.NODE_ENV === "production",
    path: "/",
    expires: session.expiresAt,
  });
}

export async function clearSessionCookie(ctx: PortalContext) {
  const token = ctx.req.cookies[sessionCookieName];
  if (token) await ctx.services.sessions.revoke(token);
  ctx.res.clearCookie(sessionCookieName, { path: "/" });
}

// Sessions: a random token in an httpOnly cookie, stored only as its sha256 hash. Lookups touch
// `lastSeenAt` at most once a minute per session, so reading pages does not write on every call.
import { createHash, randomBytes } from "node:crypto";
import type { TCurrentUser } from "@gw/contracts";
import type { PrismaClient } from "@gw/db";

export const sessionCookieName = "gw_session";

export interface AuthenticatedSession {
  id: string;
  user: TCurrentUser;
}

export interface SessionService {
  /** A new session for the user; the token goes in the cookie and nowhere else. */
  create(
    userId: string,
    meta: { ip: string; userAgent: string | null },
  ): Promise<{ token: string; expiresAt: Date }>;
  authenticate(token: string): Promise<AuthenticatedSession | null>;
  revoke(token: string): Promise<void>;
  /** Signs the user out everywhere, except the session with this id when given. */
  revokeAllOf(userId: string, exceptSessionId?: string): Promise<void>;
}

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
const TOUCH_INTERVAL_MS = 60_000;

export function createSessionService(prisma: PrismaClient, ttlDays: number): SessionService {
  const ttlMs = ttlDays * 24 * 60 * 60_000;
  return {
    async create(userId, meta) {
      const token = randomBytes(32).toString("base64url");
      const expiresAt = new Date(Date.now() + ttlMs);
      await prisma.session.create({
        data: { tokenHash: hashToken(token), userId, expiresAt, ip: meta.ip, userAgent: meta.userAgent },
      });
      return { token, expiresAt };
    },
    async authenticate(token) {
      if (token.length > 100) return null;
      const session = await prisma.session.findUnique({
        where: { tokenHash: hashToken(token) },
        select: {
          id: true,
          expiresAt: true,
          lastSeenAt: true,
          user: { select: { id: true, email: true, name: true, isPlatformAdmin: true } },
        },
      });
      if (!session) return null;
      const now = Date.now();
      if (session.expiresAt.getTime() <= now) {
        await prisma.session.deleteMany({ where: { id: session.id } });
        return null;
      }
      if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
        await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(now) } });
      }
      return { id: session.id, user: session.user };
    },
    async revoke(token) {
      await prisma.session.deleteMany({ where: { tokenHash: hashToken(token) } });
    },
    async revokeAllOf(userId, exceptSessionId) {
      await prisma.session.deleteMany({
        where: { userId, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
      });
    },
  };
}

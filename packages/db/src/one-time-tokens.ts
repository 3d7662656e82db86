// One-time tokens (password resets, invitations): random, shown once, stored as sha256 only.
import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "./generated/prisma/client.ts";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export const passwordResetTtlMs = 60 * 60_000;

/**
 * Starts a password reset for the user with this email: returns the token (for the link) or
 * null when there is no such user. A new reset replaces an older one.
 */
export async function createPasswordReset(prisma: PrismaClient, email: string): Promise<string | null> {
  const user = await prisma.user.findUnique({ where: { email: email.toLowerCase() }, select: { id: true } });
  if (!user) return null;
  const { token, hash } = newOneTimeToken();
  await prisma.user.update({
    where: { id: user.id },
    data: { passwordResetHash: hash, passwordResetExp: new Date(Date.now() + passwordResetTtlMs) },
  });
  return token;
}

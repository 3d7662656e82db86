// Accounts: sign up, sign in (rate limited per email and per address), password change and reset.
// Passwords are argon2id hashes; a wrong email and a wrong password take the same time and get the
// same answer.
import type { TCurrentUser } from "@gw/contracts";
import {
  createPasswordReset,
  hashPassword,
  hashToken,
  isUniqueViolation,
  verifyPassword,
  writeAudit,
} from "@gw/db";
import { PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

const SIGN_IN_PER_EMAIL = 10;
const SIGN_IN_PER_IP = 50;
// Verified against when the email is unknown, so both cases cost one argon2 verification.
let dummyHash: Promise<string> | undefined;

interface RequestMeta {
  ip: string;
  userAgent: string | null;
}

const publicUser = (user: TCurrentUser): TCurrentUser => ({
  id: user.id,
  email: user.email,
  name: user.name,
  isPlatformAdmin: user.isPlatformAdmin,
});

export async function signUp(
  services: PortalServices,
  input: { email: string; password: string; name?: string | undefined },
  meta: RequestMeta,
) {
  const passwordHash = await hashPassword(input.password);
  const prisma = services.db.prisma;
  let user: TCurrentUser;
  try {
    // The first account of an installation may administer it (FIRST_ACCOUNT_IS_ADMIN).
    const firstAccount = services.env.FIRST_ACCOUNT_IS_ADMIN === true && (await prisma.user.count()) === 0;
    user = await prisma.user.create({
      data: { email: input.email, passwordHash, name: input.name ?? null, isPlatformAdmin: firstAccount },
      select: { id: true, email: true, name: true, isPlatformAdmin: true },
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new PortalError("conflict", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
  await writeAudit(prisma, {
    actorUserId: user.id,
    actorType: "user",
    action: "user.sign_up",
    targetType: "user",
    targetId: user.id,
    metadata: { platformAdmin: user.isPlatformAdmin },
    ip: meta.ip,
  });
  const session = await services.sessions.create(user.id, meta);
  return { user: publicUser(user), session };
}

export async function signIn(
  services: PortalServices,
  input: { email: string; password: string },
  meta: RequestMeta,
) {
  for (const [key, limit] of [
    [`email:${input.email}`, SIGN_IN_PER_EMAIL],
    [`ip:${meta.ip}`, SIGN_IN_PER_IP],
  ] as const) {
    const attempt = await services.attempts.hit(`sign-in:${key}`, limit);
    if (!attempt.allowed) {
      throw new PortalError(
        "rate_limited",
        `Too many sign-in attempts. Try again in ${Math.ceil(attempt.retryAfterSeconds / 60)} minutes.`,
        attempt.retryAfterSeconds,
      );
    }
  }
  const user = await services.db.prisma.user.findUnique({
    where: { email: input.email },
    select: { id: true, email: true, name: true, isPlatformAdmin: true, passwordHash: true },
  });
  dummyHash ??= hashPassword("not-a-real-password-for-timing");
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), input.password);
  if (!user?.passwordHash || !ok) throw new PortalError("unauthenticated", "Wrong email or password.");
  await services.attempts.reset(`sign-in:email:${input.email}`);
  const session = await services.sessions.create(user.id, meta);
  return { user: publicUser(user), session };
}

export async function changePassword(
  services: PortalServices,
  userId: string,
  sessionId: string,
  input: { currentPassword: string; newPassword: string },
) {
  const user = await services.db.prisma.user.findUniqueOrThrow({
    where: { id: userId },
    select: { passwordHash: true },
  });
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new PortalError("invalid", "The current password is wrong.");
  }
  await services.db.prisma.user.update({
    where: { id: userId },
    data: { passwordHash: await hashPassword(input.newPassword) },
  });
  await services.sessions.revokeAllOf(userId, sessionId);
  await writeAudit(services.db.prisma, {
    actorUserId: userId,
    actorType: "user",
    action: "user.password_change",
    targetType: "user",
    targetId: userId,
  });
}

/**
 * Mails a reset link when mail is configured. The answer is the same whether or not the email
 * has an account; without mail, an operator prints the link (`npm run cli -- users reset-password`).
 */
export async function requestPasswordReset(services: PortalServices, email: string) {
  if (!services.mailer.enabled) return { mailed: false };
  const token = await createPasswordReset(services.db.prisma, email);
  if (token) {
    const link = `${services.env.PORTAL_PUBLIC_URL.replace(/\/+$/, "")}/reset-password?token=${token}`;
    await services.mailer
      .send({
        to: email,
        subject: "Reset your LLM Gateway password",
        text: `Someone asked to reset the password of this account. To choose a new one, open:\n\n${link}\n\nThe link works once, for one hour. If it was not you, ignore this mail.`,
      })
      .catch((error: unknown) => services.log.error({ err: error }, "password reset mail not sent"));
  }
  return { mailed: true };
}

export async function resetPassword(services: PortalServices, input: { token: string; password: string }) {
  const prisma = services.db.prisma;
  const user = await prisma.user.findUnique({
    where: { passwordResetHash: hashToken(input.token) },
    select: { id: true, passwordResetExp: true },
  });
  if (!user?.passwordResetExp || user.passwordResetExp.getTime() <= Date.now()) {
    throw new PortalError("invalid", "This reset link is invalid or has expired. Ask for a new one.");
  }
  // Consume the token in the same statement that checks it, so a link works exactly once.
  const consumed = await prisma.user.updateMany({
    where: { id: user.id, passwordResetHash: hashToken(input.token) },
    data: {
      passwordHash: await hashPassword(input.password),
      passwordResetHash: null,
      passwordResetExp: null,
    },
  });
  if (consumed.count !== 1) throw new PortalError("invalid", "This reset link was already used.");
  await services.sessions.revokeAllOf(user.id);
  await writeAudit(prisma, {
    actorUserId: user.id,
    actorType: "user",
    action: "user.password_reset",
    targetType: "user",
    targetId: user.id,
  });
}

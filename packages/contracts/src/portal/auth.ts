import { z } from "zod";
import { ZEmail, ZPassword } from "../identifiers.ts";

export const ZSignUpInput = z.object({
  email: ZEmail,
  password: ZPassword,
  name: z.string().trim().min(1).max(100).optional(),
});

export const ZSignInInput = z.object({
  email: ZEmail,
  // Any length up to the cap: old passwords may predate today's rules.
  password: z.string().min(1, "enter your password").max(256),
});

export const ZChangePasswordInput = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: ZPassword,
});

export const ZRequestPasswordResetInput = z.object({ email: ZEmail });

export const ZResetPasswordInput = z.object({
  token: z.string().min(20).max(200),
  password: ZPassword,
});

export const ZCurrentUser = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  isPlatformAdmin: z.boolean(),
});
export type TCurrentUser = z.infer<typeof ZCurrentUser>;

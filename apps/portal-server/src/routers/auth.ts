import {
  ZChangePasswordInput,
  ZCurrentUser,
  ZRequestPasswordResetInput,
  ZResetPasswordInput,
  ZSignInInput,
  ZSignUpInput,
} from "@gw/contracts";
import { z } from "zod";
import * as auth from "../services/auth.ts";
import { clearSessionCookie, setSessionCookie } from "../services/session-cookie.ts";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.ts";

export const authRouter = router({
  signUp: publicProcedure
    .input(ZSignUpInput)
    .output(ZCurrentUser)
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await auth.signUp(ctx.services, input, ctx);
      setSessionCookie(ctx, session);
      return user;
    }),
  signIn: publicProcedure
    .input(ZSignInInput)
    .output(ZCurrentUser)
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await auth.signIn(ctx.services, input, ctx);
      setSessionCookie(ctx, session);
      return user;
    }),
  signOut: publicProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await clearSessionCookie(ctx);
    return { ok: true as const };
  }),
  /** The signed-in user, or null. */
  me: publicProcedure.output(ZCurrentUser.nullable()).query(({ ctx }) => ctx.session?.user ?? null),
  changePassword: userProcedure
    .input(ZChangePasswordInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await auth.changePassword(ctx.services, ctx.user.id, ctx.session.id, input);
      return { ok: true as const };
    }),
  requestPasswordReset: publicProcedure
    .input(ZRequestPasswordResetInput)
    .output(z.object({ mailed: z.boolean() }))
    .mutation(({ ctx, input }) => auth.requestPasswordReset(ctx.services, input.email)),
  resetPassword: publicProcedure
    .input(ZResetPasswordInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await auth.resetPassword(ctx.services, input);
      return { ok: true as const };
    }),
});

import { z } from "zod";
import { publicProcedure, router } from "../trpc/trpc.ts";

/** What the web app needs to know about this installation. */
export const configRouter = router({
  get: publicProcedure
    .output(
      z.object({
        inferenceUrl: z.string(),
        stripeEnabled: z.boolean(),
        mailEnabled: z.boolean(),
        byokEnabled: z.boolean(),
      }),
    )
    .query(({ ctx }) => ({
      inferenceUrl: ctx.services.env.INFERENCE_PUBLIC_URL,
      stripeEnabled: Boolean(ctx.services.stripe),
      mailEnabled: ctx.services.mailer.enabled,
      byokEnabled: Boolean(ctx.services.secretBox),
    })),
});

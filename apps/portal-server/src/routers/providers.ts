import {
  ZCreateProviderInput,
  ZProvider,
  ZProviderIdInput,
  ZProviderTestResult,
  ZTestNewProviderInput,
  ZUpdateProviderInput,
} from "@gw/contracts";
import { z } from "zod";
import * as providers from "../services/providers.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

const actorOf = (ctx: { org: { id: string }; user: { id: string }; ip: string }) => ({
  orgId: ctx.org.id,
  userId: ctx.user.id,
  ip: ctx.ip,
});

export const providersRouter = router({
  list: orgProcedure("providers:read")
    .output(z.array(ZProvider))
    .query(({ ctx }) => providers.listProviders(ctx.services, ctx.org.id)),
  create: orgProcedure("providers:manage")
    .input(ZCreateProviderInput)
    .output(ZProvider)
    .mutation(({ ctx, input }) => providers.createProvider(ctx.services, actorOf(ctx), input)),
  update: orgProcedure("providers:manage")
    .input(ZUpdateProviderInput)
    .output(ZProvider)
    .mutation(({ ctx, input }) => providers.updateProvider(ctx.services, actorOf(ctx), input)),
  delete: orgProcedure("providers:manage")
    .input(ZProviderIdInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await providers.deleteProvider(ctx.services, actorOf(ctx), input.providerId);
      return { ok: true as const };
    }),
  /** Tests the saved provider on its stored key; records lastTestedAt, lastError and status. */
  test: orgProcedure("providers:manage")
    .input(ZProviderIdInput)
    .output(ZProviderTestResult)
    .mutation(({ ctx, input }) => providers.testProvider(ctx.services, actorOf(ctx), input.providerId)),
  /** Tests credentials before saving them; nothing is stored. */
  testNew: orgProcedure("providers:manage")
    .input(ZTestNewProviderInput)
    .output(ZProviderTestResult)
    .mutation(({ ctx, input }) => providers.testNewProvider(ctx.services, ctx.org.id, input)),
});

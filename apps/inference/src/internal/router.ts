import {
  ZCatalogModel,
  ZIssuedKey,
  ZIssueKeyInput,
  ZKeyState,
  ZProviderTestInput,
  ZProviderTestResult,
  ZRevokeKeyInput,
  ZUpdateKeyInput,
} from "@gw/contracts";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { catalog } from "../services/catalog.ts";
import { issueKey, KeyAdminError, revokeKey, updateKey } from "../services/key-admin.ts";
import { orgChanged } from "../services/org-admin.ts";
import { testProvider } from "../services/provider-test.ts";
import { router, serviceProcedure } from "./trpc.ts";

/** Domain errors of the internal services, as tRPC errors, in one place. */
function mapError(error: unknown): never {
  if (error instanceof KeyAdminError) {
    const code =
      error.reason === "not_found"
        ? "NOT_FOUND"
        : error.reason === "invalid"
          ? "BAD_REQUEST"
          : "INTERNAL_SERVER_ERROR";
    throw new TRPCError({ code, message: error.message, cause: error });
  }
  throw error;
}

export const internalRouter = router({
  keys: router({
    issue: serviceProcedure
      .input(ZIssueKeyInput)
      .output(ZIssuedKey)
      .mutation(({ ctx, input }) => issueKey(ctx.deps, input).catch(mapError)),
    revoke: serviceProcedure
      .input(ZRevokeKeyInput)
      .output(ZKeyState)
      .mutation(({ ctx, input }) => revokeKey(ctx.deps.db, ctx.deps.keyChanges, input).catch(mapError)),
    update: serviceProcedure
      .input(ZUpdateKeyInput)
      .output(ZKeyState)
      .mutation(({ ctx, input }) => updateKey(ctx.deps, input).catch(mapError)),
  }),
  models: router({
    list: serviceProcedure
      .output(z.array(ZCatalogModel))
      .query(({ ctx }) => catalog(ctx.deps.routing, ctx.deps.prices)),
  }),
  credits: router({
    /** Live reservations of an org (the portal shows them as "reserved"). */
    reserved: serviceProcedure
      .input(z.object({ orgId: z.uuid() }))
      .output(z.object({ reservedMicros: z.bigint() }))
      .query(async ({ ctx, input }) => ({
        reservedMicros: ctx.deps.credits ? await ctx.deps.credits.reservedMicros(input.orgId) : 0n,
      })),
    /** After a grant, top-up or refund: the next request of the org reloads its balance. */
    refresh: serviceProcedure
      .input(z.object({ orgId: z.uuid() }))
      .output(z.object({ ok: z.literal(true) }))
      .mutation(async ({ ctx, input }) => {
        await ctx.deps.credits?.invalidateOrg(input.orgId);
        return { ok: true as const };
      }),
  }),
  orgs: router({
    /** The org's status changed: every replica drops its keys from cache and reloads its balance. */
    changed: serviceProcedure
      .input(z.object({ orgId: z.uuid() }))
      .output(z.object({ keys: z.number().int() }))
      .mutation(({ ctx, input }) => orgChanged(ctx.deps, input.orgId).catch(mapError)),
  }),
  providers: router({
    test: serviceProcedure
      .input(ZProviderTestInput)
      .output(ZProviderTestResult)
      .mutation(({ ctx, input }) =>
        testProvider(input, { allowPrivateHosts: ctx.deps.allowPrivateProviderHosts }),
      ),
    /** The org's own providers changed: its next request reloads them (this replica; others within 30 s). */
    changed: serviceProcedure
      .input(z.object({ orgId: z.uuid() }))
      .output(z.object({ ok: z.literal(true) }))
      .mutation(({ ctx, input }) => {
        ctx.deps.orgRouting?.forget(input.orgId);
        return { ok: true as const };
      }),
  }),
});

export type InternalRouter = typeof internalRouter;

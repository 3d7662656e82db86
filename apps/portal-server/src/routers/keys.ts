import {
  ZApiKey,
  ZCreateKeyInput,
  ZKeyRefInput,
  ZListKeysInput,
  ZNewKey,
  ZRotatedKey,
  ZRotateKeyInput,
  ZUpdateApiKeyInput,
} from "@gw/contracts";
import { z } from "zod";
import * as keys from "../services/keys.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

export const keysRouter = router({
  list: orgProcedure("keys:read")
    .input(ZListKeysInput)
    .output(z.array(ZApiKey))
    .query(({ ctx, input }) => keys.listKeys(ctx.services, ctx.org.id, input)),
  /** The full key is in the answer once, and nowhere else. */
  create: orgProcedure("keys:manage")
    .input(ZCreateKeyInput)
    .output(ZNewKey)
    .mutation(({ ctx, input }) =>
      keys.createKey(ctx.services, { orgId: ctx.org.id, userId: ctx.user.id }, input),
    ),
  update: orgProcedure("keys:manage")
    .input(ZUpdateApiKeyInput)
    .output(ZApiKey)
    .mutation(({ ctx, input }) =>
      keys.updateKey(ctx.services, { orgId: ctx.org.id, userId: ctx.user.id }, input),
    ),
  revoke: orgProcedure("keys:manage")
    .input(ZKeyRefInput)
    .output(ZApiKey)
    .mutation(({ ctx, input }) =>
      keys.revokeKey(ctx.services, { orgId: ctx.org.id, userId: ctx.user.id }, input.keyId),
    ),
  rotate: orgProcedure("keys:manage")
    .input(ZRotateKeyInput)
    .output(ZRotatedKey)
    .mutation(({ ctx, input }) =>
      keys.rotateKey(ctx.services, { orgId: ctx.org.id, userId: ctx.user.id }, input),
    ),
});

import { ZListModelsInput, ZModelCatalog } from "@gw/contracts";
import { listModels } from "../services/models.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

export const modelsRouter = router({
  /** The gateway's catalog, for the Models page and the playground. */
  list: orgProcedure("org:read")
    .input(ZListModelsInput)
    .output(ZModelCatalog)
    .query(({ ctx }) => listModels(ctx.services)),
});

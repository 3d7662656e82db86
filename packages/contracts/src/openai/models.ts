// Models (`GET /v1/models`, `GET /v1/models/{id}`).
import { z } from "zod";

export const ZModel = z.object({
  /** The name a client puts in `model`: an alias or `provider/model`. */
  id: z.string(),
  object: z.literal("model"),
  /** Unix seconds. */
  created: z.int(),
  owned_by: z.string(),
});
export type TModel = z.infer<typeof ZModel>;

export const ZModelList = z.object({
  object: z.literal("list"),
  data: z.array(ZModel),
});
export type TModelList = z.infer<typeof ZModelList>;

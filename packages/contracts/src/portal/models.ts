// Portal models procedures: inputs and outputs. The catalog is the inference service's own
// (ZCatalogModel of the internal contract), shown on the Models page and in the playground.
import { z } from "zod";
import { ZCatalogModel } from "../internal.ts";

export const ZListModelsInput = z.object({ orgId: z.uuid() });
export const ZModelCatalog = z.array(ZCatalogModel);
export type TModelCatalog = z.infer<typeof ZModelCatalog>;

// The model catalog the gateway serves (ids, aliases and their targets, availability, prices), as
// the inference service reports it: for the Models page and the playground's model picker.
import type { TModelCatalog } from "@gw/contracts";
import { PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

export async function listModels(services: PortalServices): Promise<TModelCatalog> {
  try {
    return await services.inference.call((c) => c.models.list.query());
  } catch {
    throw new PortalError("unavailable", "The model list is not available right now; try again in a moment.");
  }
}

// The first step of a request: which targets may serve it. 404 for a model the gateway does not
// serve (however it is spelled), 400 for an ambiguous bare id or an endpoint none of the model's
// targets has, 403 when the key may not use the model.
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../errors.ts";
import type { ProviderAdapter } from "../providers/types.ts";
import { modelAllowed } from "../routing/model-names.ts";
import type { ResolvedRoute, RoutingTable } from "../routing/routing-table.ts";

export function resolveRoute(
  table: RoutingTable,
  identity: KeyIdentity,
  model: string,
  endpoint: { servedBy(adapter: ProviderAdapter): boolean; unsupported(model: string): string },
): ResolvedRoute {
  const resolution = table.resolve(model);
  if (!resolution.ok) {
    throw new GatewayError(
      resolution.reason === "ambiguous" ? "invalid_request_error" : "model_not_found",
      resolution.message,
      "model",
    );
  }
  let { route } = resolution;
  if (!modelAllowed(identity.allowedModels, model, route)) {
    throw new GatewayError(
      "model_not_allowed",
      `This API key is not allowed to use the model \`${model}\`.`,
      "model",
    );
  }
  if (identity.isTest) {
    const targets = route.targets.filter((t) => t.provider.id === "demo");
    if (targets.length === 0) {
      throw new GatewayError(
        "model_not_allowed",
        `Test keys may only use the demo provider, not \`${model}\`.`,
        "model",
      );
    }
    route = { ...route, targets };
  }
  if (!route.targets.every((t) => endpoint.servedBy(t.provider.adapter))) {
    const targets = route.targets.filter((t) => endpoint.servedBy(t.provider.adapter));
    if (targets.length === 0)
      throw new GatewayError("invalid_request_error", endpoint.unsupported(model), "model");
    route = { ...route, targets };
  }
  return route;
}

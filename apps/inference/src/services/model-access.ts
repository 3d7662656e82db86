import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../errors.ts";
import { type Metering, type RefusalInput, recordRefusal } from "../metering/meter.ts";
import type { ResolvedRoute, RoutingTable } from "../routing/routing-table.ts";

/**
 * Resolves the requested model for this key: 404 for an unknown model, 403 when the key may not
 * use it (allowed-models list; test keys reach only the demo provider).
 */
export function resolveModelFor(table: RoutingTable, identity: KeyIdentity, model: string): ResolvedRoute {
  const resolution = table.resolve(model);
  if (!resolution.ok) {
    if (resolution.reason === "ambiguous")
      throw new GatewayError("invalid_request_error", resolution.message, "model");
    throw new GatewayError("model_not_found", resolution.message, "model");
  }
  const { route } = resolution;
  if (identity.allowedModels.length > 0) {
    const names = new Set([model, ...route.targets.map((t) => `${t.provider.id}/${t.model}`)]);
    if (!identity.allowedModels.some((allowed) => names.has(allowed))) {
      throw new GatewayError(
        "model_not_allowed",
        `This API key is not allowed to use the model \`${model}\`.`,
        "model",
      );
    }
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
    return { ...route, targets };
  }
  return route;
}

/** resolveModelFor, recording a refused request's usage record when metering is on. */
export function resolveMetered(
  table: RoutingTable,
  metering: Metering | undefined,
  request: RefusalInput,
): ResolvedRoute {
  try {
    return resolveModelFor(table, request.identity, request.requestedModel);
  } catch (error) {
    if (metering && error instanceof GatewayError) recordRefusal(metering, request, "client_error", error);
    throw error;
  }
}

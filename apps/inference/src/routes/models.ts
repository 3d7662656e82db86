import type { TModel } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { GatewayError } from "../http/errors.ts";
import type { InferenceContext } from "../services/inference-context.ts";

/** Every model id this gateway serves now: aliases with a live target, then provider/model ids. */
export function listModels(ctx: InferenceContext, created: number): TModel[] {
  const models: TModel[] = [];
  const { registry, table } = ctx.routing;
  for (const route of table.aliases()) {
    const resolved = table.resolve(route.alias);
    if (resolved.ok) {
      models.push({
        id: route.alias,
        object: "model",
        created,
        owned_by: resolved.route.targets[0]!.provider.ownedBy,
      });
    }
  }
  for (const provider of registry.list()) {
    for (const model of provider.models) {
      models.push({ id: `${provider.id}/${model}`, object: "model", created, owned_by: provider.ownedBy });
    }
  }
  return models;
}

export const modelsRoute: FastifyPluginAsync<{ ctx: InferenceContext }> = async (app, { ctx }) => {
  const created = Math.floor(Date.now() / 1000);
  app.get("/v1/models", async () => ({ object: "list", data: listModels(ctx, created) }));
  app.get("/v1/models/*", async (request) => {
    const id = (request.params as { "*": string })["*"];
    const model = listModels(ctx, created).find((m) => m.id === id);
    if (!model) {
      const resolved = ctx.routing.table.resolve(id);
      if (!resolved.ok)
        throw new GatewayError("model_not_found", `The model \`${id}\` does not exist.`, "model");
      const target = resolved.route.targets[0]!;
      return { id, object: "model", created, owned_by: target.provider.ownedBy };
    }
    return model;
  });
};

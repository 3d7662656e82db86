import type { TModel } from "@gw/contracts";
import type { FastifyPluginAsync } from "fastify";
import { GatewayError } from "../errors.ts";
import { dialectOf } from "../http/v1-plugin.ts";
import { type PipelineContext, routingTableFor } from "../pipeline/context.ts";
import type { RoutingTable } from "../routing/routing-table.ts";

/** Every model id this gateway serves now: aliases with a live target, then provider/model ids. */
export function listModels(table: RoutingTable, created: number): TModel[] {
  const models: TModel[] = [];
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
  for (const provider of table.providers()) {
    for (const model of provider.models) {
      models.push({ id: `${provider.id}/${model}`, object: "model", created, owned_by: provider.ownedBy });
    }
  }
  return models;
}

/** A model as Anthropic's Models API lists it (for clients that send `anthropic-version`). */
function anthropicModel(model: TModel) {
  return {
    type: "model",
    id: model.id,
    display_name: model.id,
    created_at: new Date(model.created * 1000).toISOString(),
  };
}

export const modelsRoute: FastifyPluginAsync<{ ctx: PipelineContext }> = async (app, { ctx }) => {
  const created = Math.floor(Date.now() / 1000);
  const tableOf = (orgId: string) => routingTableFor(ctx, orgId);
  app.get("/v1/models", async (request) => {
    const models = listModels(await tableOf(request.identity!.orgId), created);
    if (dialectOf(request) === "anthropic") {
      const data = models.map(anthropicModel);
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
    }
    return { object: "list", data: models };
  });
  app.get("/v1/models/*", async (request) => {
    const id = (request.params as { "*": string })["*"];
    const table = await tableOf(request.identity!.orgId);
    const model = listModels(table, created).find((m) => m.id === id);
    if (!model) {
      const resolved = table.resolve(id);
      if (!resolved.ok)
        throw new GatewayError("model_not_found", `The model \`${id}\` does not exist.`, "model");
      const target = resolved.route.targets[0]!;
      const alias: TModel = { id, object: "model", created, owned_by: target.provider.ownedBy };
      return dialectOf(request) === "anthropic" ? anthropicModel(alias) : alias;
    }
    return dialectOf(request) === "anthropic" ? anthropicModel(model) : model;
  });
};

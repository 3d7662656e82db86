// POST /v1/embeddings as an endpoint of the pipeline: input tokens only, never streamed.
import { type TEmbeddingRequest, ZEmbeddingRequest } from "@gw/contracts";
import { NO_USAGE } from "../../metering/pricing/cost.ts";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "../../providers/types.ts";
import { countInputTokens } from "../../tokens/tokenizer.ts";
import { type EndpointSpec, parseWith } from "../endpoint.ts";

export const embeddingsEndpoint: EndpointSpec<TEmbeddingRequest, CreateEmbeddingResponse, never> = {
  name: "embeddings",
  parse: parseWith(ZEmbeddingRequest),
  servedBy: (adapter) => adapter.embeddings !== undefined,
  unsupported: (model) => `The model \`${model}\` does not support embeddings.`,
  model: (body) => body.model,
  stream: () => false,
  promptTokens: (body) => countInputTokens(body.input),
  outputBudget: () => ({ maxOutputTokens: 0 }),
  call: (target, body, _cap, options) =>
    target.provider.adapter.embeddings!(
      { ...(body as unknown as EmbeddingCreateParams), model: target.model },
      options,
    ),
  usage: (result) =>
    result.usage ? { ...NO_USAGE, inputTokens: result.usage.prompt_tokens ?? 0 } : undefined,
  outputTokens: () => 0,
};

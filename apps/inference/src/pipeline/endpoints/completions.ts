// POST /v1/completions (legacy) as an endpoint of the pipeline: only OpenAI-compatible upstreams
// still serve it.
import { type TCompletionRequest, ZCompletionRequest } from "@gw/contracts";
import { usageFromChat } from "../../dialects/usage-fields.ts";
import type {
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from "../../providers/types.ts";
import { countInputTokens, countTextTokens } from "../../tokens/tokenizer.ts";
import { type EndpointSpec, parseWith } from "../endpoint.ts";
import { OpenAIChunkRelay } from "./openai-chunk-relay.ts";

/** OpenAI's default cap for legacy completions when the client sends none (always sent explicitly). */
const LEGACY_DEFAULT_MAX_TOKENS = 16;

const capOf = (body: TCompletionRequest) => body.max_tokens ?? LEGACY_DEFAULT_MAX_TOKENS;

const paramsFor = (body: TCompletionRequest, model: string) => ({ ...body, model, max_tokens: capOf(body) });

function choicesText(choices: Completion["choices"] | undefined): string {
  let text = "";
  for (const choice of choices ?? []) if (choice.text) text += choice.text;
  return text;
}

export const completionsEndpoint: EndpointSpec<TCompletionRequest, Completion, Completion> = {
  name: "completions",
  parse: parseWith(ZCompletionRequest),
  servedBy: (adapter) => adapter.completions !== undefined && adapter.completionsStream !== undefined,
  unsupported: (model) =>
    `The model \`${model}\` does not support /v1/completions; use /v1/chat/completions.`,
  model: (body) => body.model,
  stream: (body) => body.stream === true,
  promptTokens: (body) => countInputTokens(body.prompt),
  // best_of completions are generated (and billed) upstream, n of them returned.
  outputBudget: (body) => ({ maxOutputTokens: capOf(body) * Math.max(body.n ?? 1, body.best_of ?? 1) }),
  call: (target, body, _cap, options) =>
    target.provider.adapter.completions!(
      { ...(paramsFor(body, target.model) as unknown as CompletionCreateParamsNonStreaming), stream: false },
      options,
    ),
  open: (target, body, _cap, options) =>
    target.provider.adapter.completionsStream!(
      { ...(paramsFor(body, target.model) as unknown as CompletionCreateParamsStreaming), stream: true },
      options,
    ),
  usage: (result) => (result.usage ? usageFromChat(result.usage) : undefined),
  outputTokens: (result) => countTextTokens(choicesText(result.choices)),
  relay: (body) =>
    new OpenAIChunkRelay<Completion>(body.stream_options?.include_usage === true, (pieces, chunk) => {
      pieces.push(choicesText(chunk.choices));
    }),
};

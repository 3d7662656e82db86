// POST /v1/chat/completions as an endpoint of the pipeline. Every provider adapter serves it.
import { type TChatCompletionRequest, ZChatCompletionRequest } from "@gw/contracts";
import { usageFromChat } from "../../dialects/usage-fields.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "../../providers/types.ts";
import type { RouteTarget } from "../../routing/routing-table.ts";
import { countChatPromptTokens, countTextTokens } from "../../tokens/tokenizer.ts";
import { type EndpointSpec, parseWith } from "../endpoint.ts";
import { OpenAIChunkRelay } from "./openai-chunk-relay.ts";

type Params = ChatCompletionCreateParamsNonStreaming;

/** The upstream request for a target: the client's body with the target's model (and a cap, if one is injected). */
function paramsFor(body: TChatCompletionRequest, target: RouteTarget, cap: number | undefined): Params {
  const params: Record<string, unknown> = { ...body, model: target.model };
  if (cap !== undefined) {
    // OpenAI's current name for the cap; other upstreams (and Anthropic's translation) take max_tokens.
    params[target.provider.adapter.kind === "openai" ? "max_completion_tokens" : "max_tokens"] = cap;
  }
  return params as unknown as Params;
}

type Message = ChatCompletion["choices"][number]["message"];
type Delta = ChatCompletionChunk["choices"][number]["delta"];

/** What a message or delta says, as text to count: content, refusal, tool calls. */
export function outputText(pieces: string[], part: Message | Delta | undefined): void {
  if (!part) return;
  if (part.content) pieces.push(part.content);
  if (part.refusal) pieces.push(part.refusal);
  for (const call of part.tool_calls ?? []) {
    const fn = "function" in call ? call.function : undefined;
    if (fn?.name) pieces.push(fn.name);
    if (fn?.arguments) pieces.push(fn.arguments);
  }
}

export const chatEndpoint: EndpointSpec<TChatCompletionRequest, ChatCompletion, ChatCompletionChunk> = {
  name: "chat.completions",
  parse: parseWith(ZChatCompletionRequest),
  servedBy: () => true,
  unsupported: (model) => `The model \`${model}\` does not support chat completions.`,
  model: (body) => body.model,
  stream: (body) => body.stream === true,
  promptTokens: (body) => countChatPromptTokens(body as unknown as Params),
  outputBudget(body, defaultCap) {
    const perChoice = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const choices = body.n ?? 1;
    return {
      maxOutputTokens: (perChoice ?? defaultCap) * choices,
      injectCap: perChoice === undefined ? defaultCap : undefined,
    };
  },
  call: (target, body, cap, options) =>
    target.provider.adapter.chat({ ...paramsFor(body, target, cap), stream: false }, options),
  open: (target, body, cap, options) =>
    target.provider.adapter.chatStream(
      { ...paramsFor(body, target, cap), stream: true } as ChatCompletionCreateParamsStreaming,
      options,
    ),
  usage: (result) => (result.usage ? usageFromChat(result.usage) : undefined),
  outputTokens(result) {
    const pieces: string[] = [];
    for (const choice of result.choices ?? []) outputText(pieces, choice.message);
    return countTextTokens(pieces.join(""));
  },
  relay: (body) =>
    new OpenAIChunkRelay<ChatCompletionChunk>(
      body.stream_options?.include_usage === true,
      (pieces, chunk) => {
        for (const choice of chunk.choices) outputText(pieces, choice.delta);
      },
    ),
};

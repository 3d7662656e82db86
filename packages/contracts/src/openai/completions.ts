// Legacy Completions (`POST /v1/completions`): a prompt in, text out. Only OpenAI-compatible
// upstreams still serve it (vLLM, DeepInfra, gpt-3.5-turbo-instruct).
import { z } from "zod";
import { optionalNullish, samplingFields, ZCount, ZTokenIdBatch, ZTokenIds } from "./common.ts";
import { ZUsage } from "./usage.ts";

/** Loose like the chat request: unknown fields (`top_k`, `min_p`, ...) reach the upstream. */
export const ZCompletionRequest = z.looseObject({
  model: z.string().min(1),
  /** Text, texts, token ids or batches of token ids. Null means the upstream's default prompt. */
  prompt: z.union([z.string(), z.array(z.string()), ZTokenIds, ZTokenIdBatch]).nullable(),
  /** 0 is allowed: with `echo` and `logprobs` it scores a prompt without generating. */
  max_tokens: z.int().min(0).nullish(),
  ...samplingFields,
  echo: z.boolean().nullish(),
  /** Number of most likely tokens to return log probabilities for, 0 to 5. */
  logprobs: z.int().min(0).max(5).nullish(),
  suffix: z.string().nullish(),
  best_of: z.int().min(1).max(20).nullish(),
});
export type TCompletionRequest = z.infer<typeof ZCompletionRequest>;

export const ZCompletionFinishReason = z.enum(["stop", "length", "content_filter"]);
export type TCompletionFinishReason = z.infer<typeof ZCompletionFinishReason>;

export const ZCompletionLogprobs = z.object({
  tokens: z.array(z.string()).optional(),
  token_logprobs: z.array(z.number()).optional(),
  top_logprobs: z.array(z.record(z.string(), z.number())).optional(),
  text_offset: z.array(ZCount).optional(),
});

export const ZCompletionChoice = z.object({
  index: ZCount,
  text: z.string(),
  finish_reason: ZCompletionFinishReason,
  logprobs: ZCompletionLogprobs.nullable().default(null),
});
export type TCompletionChoice = z.infer<typeof ZCompletionChoice>;

/** A non-streamed response. `usage` is required, as for chat: the gateway reports what it billed. */
export const ZCompletion = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.int(),
  model: z.string(),
  choices: z.array(ZCompletionChoice),
  usage: ZUsage,
  system_fingerprint: optionalNullish(z.string()),
});
export type TCompletion = z.infer<typeof ZCompletion>;

/**
 * One streamed event. Same `object` as the response, but `finish_reason` is null until a
 * choice ends and `usage` comes only in the last event (with `choices: []`) when
 * `stream_options.include_usage` is set. (The SDK reuses its `Completion` type for chunks,
 * which cannot express either.)
 */
export const ZCompletionChunk = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.int(),
  model: z.string(),
  choices: z.array(ZCompletionChoice.extend({ finish_reason: ZCompletionFinishReason.nullable() })),
  usage: ZUsage.nullish(),
  system_fingerprint: optionalNullish(z.string()),
});
export type TCompletionChunk = z.infer<typeof ZCompletionChunk>;

// Token usage as OpenAI reports it on chat completions, legacy completions and the final
// usage chunk of a stream (`stream_options.include_usage`).
import { z } from "zod";
import { optionalNullish, ZCount } from "./common.ts";

export const ZPromptTokensDetails = z.object({
  /** Prompt tokens served from the provider's prompt cache (billed at the cached-input price). */
  cached_tokens: ZCount.optional(),
  /** Prompt tokens written to the provider's cache (billed at the cache-write price). */
  cache_write_tokens: ZCount.optional(),
  audio_tokens: ZCount.optional(),
  image_tokens: ZCount.optional(),
  text_tokens: ZCount.optional(),
});
export type TPromptTokensDetails = z.infer<typeof ZPromptTokensDetails>;

export const ZCompletionTokensDetails = z.object({
  /** Hidden reasoning tokens; already included in `completion_tokens`. */
  reasoning_tokens: ZCount.optional(),
  audio_tokens: ZCount.optional(),
  accepted_prediction_tokens: ZCount.optional(),
  rejected_prediction_tokens: ZCount.optional(),
  text_tokens: ZCount.optional(),
});
export type TCompletionTokensDetails = z.infer<typeof ZCompletionTokensDetails>;

export const ZUsage = z.object({
  prompt_tokens: ZCount,
  completion_tokens: ZCount,
  total_tokens: ZCount,
  prompt_tokens_details: optionalNullish(ZPromptTokensDetails),
  completion_tokens_details: optionalNullish(ZCompletionTokensDetails),
});
export type TUsage = z.infer<typeof ZUsage>;

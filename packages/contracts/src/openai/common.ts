// Building blocks shared by the OpenAI wire-format schemas (chat, legacy completions,
// embeddings). Ranges follow OpenAI's API reference; every field the `openai` SDK types as
// `T | null` accepts null here too, so anything the SDK sends parses.
import { z } from "zod";

/**
 * A field the SDK types as optional (`?: T`) but that real upstreams also send as `null`
 * (vLLM sends `prompt_tokens_details: null`, older OpenAI models `system_fingerprint: null`).
 * Accepts null and outputs `undefined` instead, so parsed values stay assignable to the SDK types.
 */
export function optionalNullish<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((value): z.output<T> | undefined => value ?? undefined)
    .optional();
}

/** A non-negative integer count (tokens, indexes). */
export const ZCount = z.int().nonnegative();

/** Up to 4 stop sequences, or one. */
export const ZStop = z.union([z.string(), z.array(z.string()).max(4)]);
export type TStop = z.infer<typeof ZStop>;

export const ZStreamOptions = z.looseObject({
  include_usage: z.boolean().optional(),
  include_obfuscation: z.boolean().optional(),
});
export type TStreamOptions = z.infer<typeof ZStreamOptions>;

/** Token id (as a string key) to a bias from -100 to 100. */
export const ZLogitBias = z.record(z.string(), z.number().min(-100).max(100));

/** Free-form key/value pairs attached to a request. */
export const ZMetadata = z.record(z.string(), z.string());

/** A JSON Schema object (tool parameters, structured output schemas). Not validated further. */
export const ZJsonSchemaObject = z.record(z.string(), z.unknown());

/** Sampling parameters common to chat and legacy completions. */
export const samplingFields = {
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.int().min(1).max(128).nullish(),
  stop: ZStop.nullish(),
  seed: z.int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: ZLogitBias.nullish(),
  stream: z.boolean().nullish(),
  stream_options: ZStreamOptions.nullish(),
  user: z.string().optional(),
};

/** Token ids, or a batch of them: the non-text forms of `prompt` and `input`. */
export const ZTokenIds = z.array(z.int().nonnegative());
export const ZTokenIdBatch = z.array(ZTokenIds);

// OpenAI Chat Completions (`POST /v1/chat/completions`): the request the gateway accepts, the
// response it returns and the chunks it streams. Reference: the `openai` SDK's types
// (openai/resources/chat/completions); test/wire-types.test.ts keeps these schemas in step.
import { z } from "zod";
import { MAX_MESSAGES, MAX_TOOLS, tooManyMessages, tooManyTools } from "../limits.ts";
import { ZChatMessage, ZToolCall } from "./chat-messages.ts";
import { ZChatTool, ZPrediction, ZResponseFormat, ZToolChoice } from "./chat-tools.ts";
import { optionalNullish, samplingFields, ZCount, ZMetadata } from "./common.ts";
import { ZUsage } from "./usage.ts";

export const ZReasoningEffort = z.enum(["none", "minimal", "low", "medium", "high", "xhigh", "max"]);
export type TReasoningEffort = z.infer<typeof ZReasoningEffort>;

export const ZServiceTier = z.enum(["auto", "default", "flex", "scale", "priority", "fast"]);
export type TServiceTier = z.infer<typeof ZServiceTier>;

// ---- request --------------------------------------------------------------------------------

/**
 * The request body. Loose at every level: fields not listed here (`audio`, `verbosity`,
 * `web_search_options`, provider extensions, ...) are kept, so they reach upstreams that speak
 * them. Every check is a plain schema, so a failure's `path` names the field (`param` in the 400).
 */
export const ZChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ZChatMessage).min(1).max(MAX_MESSAGES, tooManyMessages),

  tools: z.array(ZChatTool).max(MAX_TOOLS, tooManyTools).optional(),
  tool_choice: ZToolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: ZResponseFormat.optional(),

  /** Deprecated in favour of `max_completion_tokens`, which also counts reasoning tokens. */
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  ...samplingFields,
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),

  reasoning_effort: ZReasoningEffort.nullish(),
  service_tier: ZServiceTier.nullish(),
  metadata: ZMetadata.nullish(),
  store: z.boolean().nullish(),
  modalities: z.array(z.enum(["text", "audio"])).nullish(),
  prediction: ZPrediction.nullish(),
});
export type TChatCompletionRequest = z.infer<typeof ZChatCompletionRequest>;

// ---- response -------------------------------------------------------------------------------

export const ZFinishReason = z.enum(["stop", "length", "tool_calls", "content_filter", "function_call"]);
export type TFinishReason = z.infer<typeof ZFinishReason>;

const ZTopLogprob = z.object({
  token: z.string(),
  logprob: z.number(),
  bytes: z.array(z.int()).nullable(),
});

export const ZTokenLogprob = ZTopLogprob.extend({ top_logprobs: z.array(ZTopLogprob) });
export type TTokenLogprob = z.infer<typeof ZTokenLogprob>;

export const ZChoiceLogprobs = z.object({
  content: z.array(ZTokenLogprob).nullable(),
  refusal: z.array(ZTokenLogprob).nullable().default(null),
});
export type TChoiceLogprobs = z.infer<typeof ZChoiceLogprobs>;

const ZUrlCitation = z.object({
  type: z.literal("url_citation"),
  url_citation: z.object({
    url: z.string(),
    title: z.string(),
    start_index: ZCount,
    end_index: ZCount,
  }),
});

/** The assistant's reply in a non-streamed response. */
export const ZChatCompletionMessage = z.object({
  role: z.literal("assistant"),
  content: z.string().nullable(),
  /** OpenAI always sends it (null when the model did not refuse); some compatible hosts omit it. */
  refusal: z.string().nullable().default(null),
  tool_calls: z.array(ZToolCall).optional(),
  annotations: z.array(ZUrlCitation).optional(),
  audio: z
    .object({ id: z.string(), data: z.string(), expires_at: z.int(), transcript: z.string() })
    .nullish(),
});
export type TChatCompletionMessage = z.infer<typeof ZChatCompletionMessage>;

export const ZChatCompletionChoice = z.object({
  index: ZCount,
  message: ZChatCompletionMessage,
  finish_reason: ZFinishReason,
  logprobs: ZChoiceLogprobs.nullable().default(null),
});
export type TChatCompletionChoice = z.infer<typeof ZChatCompletionChoice>;

/**
 * A non-streamed response. `usage` is required: the gateway always reports what it billed
 * (the SDK types it as optional, so this is stricter, never looser).
 */
export const ZChatCompletion = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  /** Unix seconds. */
  created: z.int(),
  model: z.string(),
  choices: z.array(ZChatCompletionChoice),
  usage: ZUsage,
  system_fingerprint: optionalNullish(z.string()),
  service_tier: ZServiceTier.nullish(),
});
export type TChatCompletion = z.infer<typeof ZChatCompletion>;

// ---- stream chunks --------------------------------------------------------------------------

/** A fragment of a tool call: `id`, `type` and `function.name` come first, then `arguments` pieces. */
export const ZToolCallDelta = z.object({
  index: ZCount,
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});
export type TToolCallDelta = z.infer<typeof ZToolCallDelta>;

export const ZChatCompletionDelta = z.object({
  role: z.literal("assistant").optional(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(ZToolCallDelta).optional(),
});
export type TChatCompletionDelta = z.infer<typeof ZChatCompletionDelta>;

export const ZChatCompletionChunkChoice = z.object({
  index: ZCount,
  delta: ZChatCompletionDelta,
  /** Null on every chunk but the last of its choice. */
  finish_reason: ZFinishReason.nullable(),
  logprobs: ZChoiceLogprobs.nullish(),
});
export type TChatCompletionChunkChoice = z.infer<typeof ZChatCompletionChunkChoice>;

/**
 * One `data:` event of a stream. With `stream_options.include_usage` the last chunk before
 * `[DONE]` has `choices: []` and the request's `usage`; every other chunk has `usage: null`.
 */
export const ZChatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.int(),
  model: z.string(),
  choices: z.array(ZChatCompletionChunkChoice),
  usage: ZUsage.nullish(),
  system_fingerprint: optionalNullish(z.string()),
  service_tier: ZServiceTier.nullish(),
});
export type TChatCompletionChunk = z.infer<typeof ZChatCompletionChunk>;

// OpenAI Responses API (`POST /v1/responses`, `POST /v1/responses/input_tokens`): the request the
// gateway accepts. Reference: the `openai` SDK's types (openai/resources/responses/responses).
// Loose like chat.ts: unknown fields survive for the OpenAI pass-through, and so do input items,
// tools and tool choices of types the gateway does not translate (built-in tools, computer calls,
// ...): they parse, so a translator can refuse them by name, or OpenAI can serve them.
import { z } from "zod";
import { MAX_MESSAGES, MAX_TOOLS, tooManyMessages, tooManyTools } from "../limits.ts";
import { ZReasoningEffort, ZServiceTier } from "./chat.ts";
import { ZJsonSchemaObject, ZMetadata } from "./common.ts";

/**
 * An object whose `type` is a string other than `known`: the catch-all branch of a union whose
 * other branches handle `known`. Its refusal is one issue on the whole value, which
 * `describeValidationError` discards in favour of the branch the input meant, so `param` still
 * names the innermost field of a malformed known item.
 */
function otherType(known: readonly string[]): z.ZodType<{ [key: string]: unknown; type: string }> {
  const names = new Set(known);
  // `type` is checked with the whole object, so that a missing one is a refusal of the whole too.
  return z.looseObject({}).check((ctx) => {
    const type = (ctx.value as { type?: unknown }).type;
    if (typeof type !== "string" || names.has(type)) {
      ctx.issues.push({
        code: "invalid_value",
        values: [],
        input: ctx.value,
        message: `Expected a type other than ${[...names].join(", ")}`,
      });
    }
  }) as z.ZodType as z.ZodType<{ [key: string]: unknown; type: string }>;
}

// ---- content parts --------------------------------------------------------------------------

export const ZResponsesInputText = z.looseObject({ type: z.literal("input_text"), text: z.string() });
export type TResponsesInputText = z.infer<typeof ZResponsesInputText>;

export const ZResponsesInputImage = z.looseObject({
  type: z.literal("input_image"),
  /** An https URL or a `data:image/...;base64,` URL. */
  image_url: z.string().min(1).nullish(),
  /** An image uploaded to OpenAI's Files API. */
  file_id: z.string().nullish(),
  detail: z.enum(["auto", "low", "high", "original"]).nullish(),
});
export type TResponsesInputImage = z.infer<typeof ZResponsesInputImage>;

export const ZResponsesInputFile = z.looseObject({
  type: z.literal("input_file"),
  file_id: z.string().nullish(),
  /** A `data:` URL with the file's base64 content. */
  file_data: z.string().optional(),
  file_url: z.string().optional(),
  filename: z.string().optional(),
});
export type TResponsesInputFile = z.infer<typeof ZResponsesInputFile>;

/** Text of an earlier assistant turn, as a Response's output message carries it. */
export const ZResponsesOutputText = z.looseObject({
  type: z.literal("output_text"),
  text: z.string(),
  annotations: z.array(z.looseObject({ type: z.string() })).optional(),
  logprobs: z.array(z.looseObject({})).optional(),
});
export type TResponsesOutputText = z.infer<typeof ZResponsesOutputText>;

export const ZResponsesRefusal = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
export type TResponsesRefusal = z.infer<typeof ZResponsesRefusal>;

export const ZResponsesContentPart = z.discriminatedUnion("type", [
  ZResponsesInputText,
  ZResponsesInputImage,
  ZResponsesInputFile,
  ZResponsesOutputText,
  ZResponsesRefusal,
]);
export type TResponsesContentPart = z.infer<typeof ZResponsesContentPart>;

/** What a function call's result may contain. */
export const ZResponsesToolOutputPart = z.discriminatedUnion("type", [
  ZResponsesInputText,
  ZResponsesInputImage,
  ZResponsesInputFile,
]);
export type TResponsesToolOutputPart = z.infer<typeof ZResponsesToolOutputPart>;

// ---- input items ----------------------------------------------------------------------------

const ZItemStatus = z.enum(["in_progress", "completed", "incomplete"]);

/**
 * A message: the SDK's EasyInputMessage (`type` optional, string content), an input message
 * (parts) and an earlier Response's output message (assistant, `id`, `output_text` parts) in one.
 */
export const ZResponsesMessageItem = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(ZResponsesContentPart)]),
  id: z.string().optional(),
  status: ZItemStatus.optional(),
  phase: z.enum(["commentary", "final_answer"]).nullish(),
});
export type TResponsesMessageItem = z.infer<typeof ZResponsesMessageItem>;

/** A function call the model made in an earlier turn. */
export const ZResponsesFunctionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  /** JSON text as the model produced it. */
  arguments: z.string(),
  id: z.string().optional(),
  status: ZItemStatus.optional(),
});
export type TResponsesFunctionCallItem = z.infer<typeof ZResponsesFunctionCallItem>;

/** The caller's result for a function call, matched by `call_id`. */
export const ZResponsesFunctionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(ZResponsesToolOutputPart)]),
  id: z.string().nullish(),
  status: ZItemStatus.nullish(),
});
export type TResponsesFunctionCallOutputItem = z.infer<typeof ZResponsesFunctionCallOutputItem>;

/** A reasoning item of an earlier turn (summaries, possibly encrypted content). */
export const ZResponsesReasoningItem = z.looseObject({
  type: z.literal("reasoning"),
  id: z.string().optional(),
  summary: z.array(z.looseObject({ type: z.string(), text: z.string() })).optional(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string() })).optional(),
  encrypted_content: z.string().nullish(),
  status: ZItemStatus.optional(),
});
export type TResponsesReasoningItem = z.infer<typeof ZResponsesReasoningItem>;

/** An item of an earlier, stored Response, by id. The SDK lets `type` be omitted. */
export const ZResponsesItemReference = z.looseObject({
  type: z.literal("item_reference"),
  id: z.string().min(1),
});
export type TResponsesItemReference = z.infer<typeof ZResponsesItemReference>;

/** The input item types the gateway understands; any other `type` parses as TResponsesOtherItem. */
export const RESPONSES_ITEM_TYPES = [
  "message",
  "function_call",
  "function_call_output",
  "reasoning",
  "item_reference",
] as const;

export const ZResponsesKnownItem = z.discriminatedUnion("type", [
  ZResponsesMessageItem,
  ZResponsesFunctionCallItem,
  ZResponsesFunctionCallOutputItem,
  ZResponsesReasoningItem,
  ZResponsesItemReference,
]);
export type TResponsesKnownItem = z.infer<typeof ZResponsesKnownItem>;

/** Any other item (`computer_call`, `web_search_call`, `custom_tool_call`, ...), kept as sent. */
export const ZResponsesOtherItem = otherType(RESPONSES_ITEM_TYPES);
export type TResponsesOtherItem = z.infer<typeof ZResponsesOtherItem>;

/**
 * One input item. An item without `type` is a message when it has a `role`, else an
 * item_reference when it has an `id` (the SDK's ItemReference has an optional `type`); such a
 * reference is given its `type` while parsing.
 */
export const ZResponsesInputItem = z.preprocess(
  (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    const item = value as Record<string, unknown>;
    if (item.type == null && !("role" in item) && typeof item.id === "string") {
      return { ...item, type: "item_reference" };
    }
    return value;
  },
  z.union([ZResponsesKnownItem, ZResponsesOtherItem]),
);
export type TResponsesInputItem = z.infer<typeof ZResponsesInputItem>;

// ---- tools ----------------------------------------------------------------------------------

export const ZResponsesFunctionTool = z.looseObject({
  type: z.literal("function"),
  name: z.string().min(1),
  description: z.string().nullish(),
  /** JSON Schema of the arguments object. */
  parameters: ZJsonSchemaObject.nullish(),
  /** OpenAI defaults it to true in this API (false in Chat Completions). */
  strict: z.boolean().nullish(),
});
export type TResponsesFunctionTool = z.infer<typeof ZResponsesFunctionTool>;

/** A built-in or other non-function tool (`web_search`, `file_search`, `mcp`, `custom`, ...). */
export const ZResponsesOtherTool = otherType(["function"]);
export type TResponsesOtherTool = z.infer<typeof ZResponsesOtherTool>;

export const ZResponsesTool = z.union([ZResponsesFunctionTool, ZResponsesOtherTool]);
export type TResponsesTool = z.infer<typeof ZResponsesTool>;

export const ZResponsesFunctionToolChoice = z.looseObject({
  type: z.literal("function"),
  name: z.string().min(1),
});

export const ZResponsesAllowedToolsChoice = z.looseObject({
  type: z.literal("allowed_tools"),
  mode: z.enum(["auto", "required"]),
  tools: z.array(z.record(z.string(), z.unknown())),
});

export const ZResponsesToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.discriminatedUnion("type", [ZResponsesFunctionToolChoice, ZResponsesAllowedToolsChoice]),
  /** A built-in tool (`{type: "web_search_preview"}`), `mcp`, `custom`, ... */
  otherType(["function", "allowed_tools"]),
]);
export type TResponsesToolChoice = z.infer<typeof ZResponsesToolChoice>;

// ---- text and reasoning settings ------------------------------------------------------------

export const ZResponsesTextFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  /** Structured Outputs: `name` and `schema` sit on the format itself (nested in Chat Completions). */
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1).max(64),
    schema: ZJsonSchemaObject,
    description: z.string().optional(),
    strict: z.boolean().nullish(),
  }),
]);
export type TResponsesTextFormat = z.infer<typeof ZResponsesTextFormat>;

export const ZResponsesTextConfig = z.looseObject({
  format: ZResponsesTextFormat.optional(),
  verbosity: z.enum(["low", "medium", "high"]).nullish(),
});
export type TResponsesTextConfig = z.infer<typeof ZResponsesTextConfig>;

const ZSummarySetting = z.enum(["auto", "concise", "detailed"]);

export const ZResponsesReasoning = z.looseObject({
  effort: ZReasoningEffort.nullish(),
  summary: ZSummarySetting.nullish(),
  /** Deprecated name of `summary`. */
  generate_summary: ZSummarySetting.nullish(),
});
export type TResponsesReasoning = z.infer<typeof ZResponsesReasoning>;

export const ZResponsesServiceTier = z.enum([...ZServiceTier.options, "ultrafast"]);

// ---- requests -------------------------------------------------------------------------------

/** What shapes the model's input; shared by the create and input_tokens requests. */
const inputFields = {
  /** A string is one user message. Absent when a stored prompt or conversation supplies it. */
  input: z.union([z.string(), z.array(ZResponsesInputItem).max(MAX_MESSAGES, tooManyMessages)]).optional(),
  /** A system (developer) message placed before the input; not carried over by previous_response_id. */
  instructions: z.string().nullish(),
  tools: z.array(ZResponsesTool).max(MAX_TOOLS, tooManyTools).optional(),
  tool_choice: ZResponsesToolChoice.optional(),
  parallel_tool_calls: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  conversation: z.union([z.string(), z.looseObject({ id: z.string() })]).nullish(),
  text: ZResponsesTextConfig.optional(),
  reasoning: ZResponsesReasoning.nullish(),
  truncation: z.enum(["auto", "disabled"]).nullish(),
};

/**
 * The body of `POST /v1/responses`. Loose at every level: fields not listed here reach upstreams
 * that speak them. Every check is a plain schema, so a failure's `path` names the field.
 */
export const ZResponsesRequest = z.looseObject({
  model: z.string().min(1),
  ...inputFields,

  /** Counts reasoning tokens too. */
  max_output_tokens: z.int().min(1).nullish(),
  /** Caps calls to built-in tools. */
  max_tool_calls: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),

  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().optional() }).nullish(),
  /** Keep the response for a later `previous_response_id` (OpenAI's default: true). */
  store: z.boolean().nullish(),
  background: z.boolean().nullish(),
  /** Extra output to include, e.g. "message.output_text.logprobs", "reasoning.encrypted_content". */
  include: z.array(z.string()).nullish(),
  /** A stored prompt template, by id. */
  prompt: z.looseObject({ id: z.string() }).nullish(),

  metadata: ZMetadata.nullish(),
  user: z.string().optional(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  prompt_cache_retention: z.enum(["in_memory", "24h"]).nullish(),
  service_tier: ZResponsesServiceTier.nullish(),
});
export type TResponsesRequest = z.infer<typeof ZResponsesRequest>;

/** The body of `POST /v1/responses/input_tokens`: counts a request's input without running it. */
export const ZResponsesInputTokensRequest = z.looseObject({
  model: z.string().min(1),
  ...inputFields,
});
export type TResponsesInputTokensRequest = z.infer<typeof ZResponsesInputTokensRequest>;

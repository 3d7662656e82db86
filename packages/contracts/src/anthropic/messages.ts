// Anthropic Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`): the request
// bodies the gateway accepts from Anthropic clients (@anthropic-ai/sdk, Claude Code). Reference:
// the SDK's types (@anthropic-ai/sdk/resources/messages/messages). Loose at every level, so fields
// not listed here (betas, newer API versions) survive for the pass-through to Anthropic; only what
// the gateway reads or translates is checked. Every check is a plain schema, so a failure's `path`
// names the field (`param` in the 400, via describeValidationError).
import { z } from "zod";
import { MAX_MESSAGES, MAX_TOOLS, tooManyMessages, tooManyTools } from "../limits.ts";
import { ZJsonSchemaObject } from "../openai/common.ts";

// ---- content blocks -------------------------------------------------------------------------

export const ZCacheControl = z.looseObject({
  type: z.literal("ephemeral"),
  ttl: z.enum(["5m", "1h"]).optional(),
});

/** Fields every request block may carry. */
const blockFields = { cache_control: ZCacheControl.nullish() };

export const ZMessagesTextBlock = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
  citations: z.array(z.looseObject({ type: z.string() })).nullish(),
  ...blockFields,
});
export type TMessagesTextBlock = z.infer<typeof ZMessagesTextBlock>;

export const ZMessagesImageSource = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("base64"),
    media_type: z.enum(["image/jpeg", "image/png", "image/gif", "image/webp"]),
    data: z.string().min(1),
  }),
  z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
  /** Anthropic's Files API: only Anthropic can resolve it. */
  z.looseObject({ type: z.literal("file"), file_id: z.string().min(1) }),
]);

export const ZMessagesImageBlock = z.looseObject({
  type: z.literal("image"),
  source: ZMessagesImageSource,
  ...blockFields,
});
export type TMessagesImageBlock = z.infer<typeof ZMessagesImageBlock>;

export const ZMessagesDocumentSource = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("base64"),
    media_type: z.literal("application/pdf"),
    data: z.string().min(1),
  }),
  z.looseObject({ type: z.literal("text"), media_type: z.literal("text/plain"), data: z.string() }),
  z.looseObject({
    type: z.literal("content"),
    content: z.union([
      z.string(),
      z.array(z.discriminatedUnion("type", [ZMessagesTextBlock, ZMessagesImageBlock])),
    ]),
  }),
  z.looseObject({ type: z.literal("url"), url: z.string().min(1) }),
  z.looseObject({ type: z.literal("file"), file_id: z.string().min(1) }),
]);

export const ZMessagesDocumentBlock = z.looseObject({
  type: z.literal("document"),
  source: ZMessagesDocumentSource,
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.looseObject({ enabled: z.boolean().optional() }).nullish(),
  ...blockFields,
});
export type TMessagesDocumentBlock = z.infer<typeof ZMessagesDocumentBlock>;

/** Results of the client's own retrieval, citable like documents. */
export const ZMessagesSearchResultBlock = z.looseObject({
  type: z.literal("search_result"),
  source: z.string(),
  title: z.string(),
  content: z.array(ZMessagesTextBlock),
  ...blockFields,
});
export type TMessagesSearchResultBlock = z.infer<typeof ZMessagesSearchResultBlock>;

export const ZMessagesThinkingBlock = z.looseObject({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string(),
});

export const ZMessagesRedactedThinkingBlock = z.looseObject({
  type: z.literal("redacted_thinking"),
  data: z.string(),
});

export const ZMessagesToolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  /** The tool's input as the model produced it: a JSON object. */
  input: z.record(z.string(), z.unknown()),
  ...blockFields,
});
export type TMessagesToolUseBlock = z.infer<typeof ZMessagesToolUseBlock>;

/** A block type the gateway only passes through to Anthropic: checked by its `type` alone. */
const passThrough = <T extends string>(type: T) => z.looseObject({ type: z.literal(type) });

/** What a tool_result's `content` may hold besides a string. */
export const ZMessagesToolResultContentBlock = z.discriminatedUnion("type", [
  ZMessagesTextBlock,
  ZMessagesImageBlock,
  ZMessagesDocumentBlock,
  ZMessagesSearchResultBlock,
  passThrough("tool_reference"),
  passThrough("browser_state"),
]);
export type TMessagesToolResultContentBlock = z.infer<typeof ZMessagesToolResultContentBlock>;

export const ZMessagesToolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(ZMessagesToolResultContentBlock)]).optional(),
  is_error: z.boolean().optional(),
  ...blockFields,
});
export type TMessagesToolResultBlock = z.infer<typeof ZMessagesToolResultBlock>;

/**
 * Blocks of Anthropic's server tools and betas (results of web search, code execution, MCP,
 * compaction, ...): valid in a conversation sent to Anthropic, meaningless to any other model.
 */
export const MESSAGES_SERVER_BLOCK_TYPES = [
  "server_tool_use",
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "tool_search_tool_result",
  "advisor_tool_result",
  "container_upload",
  "mcp_tool_use",
  "mcp_tool_result",
  "mcp_tool_listing",
  "compaction",
  "tool_addition",
  "tool_removal",
  "fallback",
] as const;

const [firstServerType, ...otherServerTypes] = MESSAGES_SERVER_BLOCK_TYPES;

/** Any block of a user or assistant turn; an unknown `type` fails naming `...content.[i].type`. */
export const ZMessagesContentBlock = z.discriminatedUnion("type", [
  ZMessagesTextBlock,
  ZMessagesImageBlock,
  ZMessagesDocumentBlock,
  ZMessagesSearchResultBlock,
  ZMessagesThinkingBlock,
  ZMessagesRedactedThinkingBlock,
  ZMessagesToolUseBlock,
  ZMessagesToolResultBlock,
  passThrough(firstServerType),
  ...otherServerTypes.map(passThrough),
]);
export type TMessagesContentBlock = z.infer<typeof ZMessagesContentBlock>;

// ---- messages -------------------------------------------------------------------------------

const ZMessagesContent = z.union([z.string(), z.array(ZMessagesContentBlock)]);

export const ZMessagesMessage = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("user"), content: ZMessagesContent }),
  z.looseObject({ role: z.literal("assistant"), content: ZMessagesContent }),
  /** Newer API versions also take system turns inside `messages` (on some models). */
  z.looseObject({ role: z.literal("system"), content: z.union([z.string(), z.array(ZMessagesTextBlock)]) }),
]);
export type TMessagesMessage = z.infer<typeof ZMessagesMessage>;

// ---- tools ----------------------------------------------------------------------------------

/**
 * A custom tool (`type` absent or "custom", with `input_schema`) or one of Anthropic's own
 * (`type` such as "web_search_20250305" or "bash_20250124", no schema: Anthropic defines it).
 * One loose object rather than a union so that a custom tool without a schema fails naming
 * `tools.[i].input_schema`.
 */
export const ZMessagesTool = z
  .looseObject({
    type: z.string().min(1).nullish(),
    name: z.string().min(1),
    description: z.string().optional(),
    input_schema: z.looseObject({ type: z.literal("object") }).optional(),
    strict: z.boolean().optional(),
    ...blockFields,
  })
  .superRefine((tool, ctx) => {
    const custom = tool.type === undefined || tool.type === null || tool.type === "custom";
    if (custom && tool.input_schema === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["input_schema"],
        message: "Custom tools need an input_schema (a JSON Schema object).",
      });
    }
  });
export type TMessagesTool = z.infer<typeof ZMessagesTool>;

const parallelField = { disable_parallel_tool_use: z.boolean().optional() };

export const ZMessagesToolChoice = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("auto"), ...parallelField }),
  z.looseObject({ type: z.literal("any"), ...parallelField }),
  z.looseObject({ type: z.literal("tool"), name: z.string().min(1), ...parallelField }),
  z.looseObject({ type: z.literal("none") }),
]);
export type TMessagesToolChoice = z.infer<typeof ZMessagesToolChoice>;

// ---- thinking, output -----------------------------------------------------------------------

const ZThinkingDisplay = z.enum(["summarized", "omitted"]).nullish();

export const ZThinkingConfig = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("enabled"), budget_tokens: z.int().min(1), display: ZThinkingDisplay }),
  z.looseObject({ type: z.literal("disabled") }),
  z.looseObject({ type: z.literal("adaptive"), display: ZThinkingDisplay }),
  z.looseObject({ type: z.literal("between_tools") }),
]);
export type TThinkingConfig = z.infer<typeof ZThinkingConfig>;

export const ZMessagesOutputConfig = z.looseObject({
  effort: z.enum(["low", "medium", "high", "xhigh", "max"]).nullish(),
  format: z.looseObject({ type: z.literal("json_schema"), schema: ZJsonSchemaObject }).nullish(),
});

// ---- requests -------------------------------------------------------------------------------

/** What a token count and a message creation share. */
const promptFields = {
  model: z.string().min(1),
  messages: z.array(ZMessagesMessage).min(1).max(MAX_MESSAGES, tooManyMessages),
  system: z.union([z.string(), z.array(ZMessagesTextBlock)]).optional(),
  tools: z.array(ZMessagesTool).max(MAX_TOOLS, tooManyTools).optional(),
  tool_choice: ZMessagesToolChoice.optional(),
  thinking: ZThinkingConfig.optional(),
  output_config: ZMessagesOutputConfig.optional(),
  cache_control: ZCacheControl.nullish(),
};

/**
 * `POST /v1/messages`. `max_tokens` is required, as Anthropic requires it. `temperature`,
 * `top_p` and `top_k` are gone from the newest API version but older ones (and many clients) still
 * send them, so they are accepted.
 */
export const ZMessagesRequest = z.looseObject({
  ...promptFields,
  max_tokens: z.int().min(1),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  service_tier: z.enum(["auto", "standard_only"]).optional(),
});
export type TMessagesRequest = z.infer<typeof ZMessagesRequest>;

/** `POST /v1/messages/count_tokens`: the prompt without generation settings. */
export const ZCountTokensRequest = z.looseObject(promptFields);
export type TCountTokensRequest = z.infer<typeof ZCountTokensRequest>;

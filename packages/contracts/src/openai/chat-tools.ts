// Tools, tool choice and structured-output settings of a Chat Completions request.
import { z } from "zod";
import { ZTextPart } from "./chat-messages.ts";
import { ZJsonSchemaObject } from "./common.ts";

// ---- tools ----------------------------------------------------------------------------------

export const ZFunctionDefinition = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** JSON Schema of the arguments object. Omitted means no arguments. */
  parameters: ZJsonSchemaObject.optional(),
  /** Structured Outputs for the arguments (OpenAI); other providers may ignore it. */
  strict: z.boolean().nullish(),
});
export type TFunctionDefinition = z.infer<typeof ZFunctionDefinition>;

export const ZFunctionTool = z.looseObject({
  type: z.literal("function"),
  function: ZFunctionDefinition,
});
export type TFunctionTool = z.infer<typeof ZFunctionTool>;

/** A free-form text tool (OpenAI GPT-5 and later), optionally constrained by a grammar. */
export const ZCustomTool = z.looseObject({
  type: z.literal("custom"),
  custom: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    format: z
      .discriminatedUnion("type", [
        z.looseObject({ type: z.literal("text") }),
        z.looseObject({
          type: z.literal("grammar"),
          grammar: z.looseObject({ definition: z.string(), syntax: z.enum(["lark", "regex"]) }),
        }),
      ])
      .optional(),
  }),
});
export type TCustomTool = z.infer<typeof ZCustomTool>;

export const ZChatTool = z.discriminatedUnion("type", [ZFunctionTool, ZCustomTool]);
export type TChatTool = z.infer<typeof ZChatTool>;

// ---- tool choice ----------------------------------------------------------------------------

export const ZNamedToolChoice = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1) }),
});
export type TNamedToolChoice = z.infer<typeof ZNamedToolChoice>;

export const ZNamedCustomToolChoice = z.looseObject({
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string().min(1) }),
});

/** Restricts the model to a subset of `tools` without changing the (cacheable) tool list. */
export const ZAllowedToolsChoice = z.looseObject({
  type: z.literal("allowed_tools"),
  allowed_tools: z.looseObject({
    mode: z.enum(["auto", "required"]),
    tools: z.array(z.record(z.string(), z.unknown())),
  }),
});

export const ZToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.discriminatedUnion("type", [ZNamedToolChoice, ZNamedCustomToolChoice, ZAllowedToolsChoice]),
]);
export type TToolChoice = z.infer<typeof ZToolChoice>;

// ---- response format ------------------------------------------------------------------------

export const ZResponseFormatText = z.looseObject({ type: z.literal("text") });

/** Older JSON mode: valid JSON, no schema. */
export const ZResponseFormatJsonObject = z.looseObject({ type: z.literal("json_object") });

/** Structured Outputs: the reply follows `schema`. */
export const ZResponseFormatJsonSchema = z.looseObject({
  type: z.literal("json_schema"),
  json_schema: z.looseObject({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    schema: ZJsonSchemaObject.optional(),
    strict: z.boolean().nullish(),
  }),
});
export type TResponseFormatJsonSchema = z.infer<typeof ZResponseFormatJsonSchema>;

export const ZResponseFormat = z.discriminatedUnion("type", [
  ZResponseFormatText,
  ZResponseFormatJsonObject,
  ZResponseFormatJsonSchema,
]);
export type TResponseFormat = z.infer<typeof ZResponseFormat>;

// ---- predicted outputs ----------------------------------------------------------------------

/** Predicted Outputs: content the reply is expected to mostly repeat (faster regeneration). */
export const ZPrediction = z.looseObject({
  type: z.literal("content"),
  content: z.union([z.string(), z.array(ZTextPart)]),
});
export type TPrediction = z.infer<typeof ZPrediction>;

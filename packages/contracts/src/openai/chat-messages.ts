// Chat Completions request messages and their content parts, as the `openai` SDK sends them.
// Objects are loose: fields a provider added on top of OpenAI's (`cache_control`,
// `reasoning_content`, ...) survive parsing, so the gateway can forward them upstream.
import { z } from "zod";

// ---- content parts --------------------------------------------------------------------------

export const ZTextPart = z.looseObject({ type: z.literal("text"), text: z.string() });
export type TTextPart = z.infer<typeof ZTextPart>;

export const ZImagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({
    /** An https URL or a `data:image/...;base64,` URL. */
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high", "original"]).optional(),
  }),
});
export type TImagePart = z.infer<typeof ZImagePart>;

export const ZInputAudioPart = z.looseObject({
  type: z.literal("input_audio"),
  input_audio: z.looseObject({ data: z.string(), format: z.enum(["wav", "mp3"]) }),
});
export type TInputAudioPart = z.infer<typeof ZInputAudioPart>;

export const ZFilePart = z.looseObject({
  type: z.literal("file"),
  file: z.looseObject({
    /** A `data:` URL with the file's base64 content. */
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }),
});
export type TFilePart = z.infer<typeof ZFilePart>;

export const ZRefusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
export type TRefusalPart = z.infer<typeof ZRefusalPart>;

/** What a user message may contain. */
export const ZUserContentPart = z.discriminatedUnion("type", [
  ZTextPart,
  ZImagePart,
  ZInputAudioPart,
  ZFilePart,
]);
export type TUserContentPart = z.infer<typeof ZUserContentPart>;

const ZTextContent = z.union([z.string(), z.array(ZTextPart)]);

// ---- tool calls (assistant messages, responses) -------------------------------------------

export const ZFunctionToolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string(),
    /** JSON text as the model produced it; not necessarily valid JSON. */
    arguments: z.string(),
  }),
});
export type TFunctionToolCall = z.infer<typeof ZFunctionToolCall>;

export const ZCustomToolCall = z.looseObject({
  id: z.string(),
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string(), input: z.string() }),
});
export type TCustomToolCall = z.infer<typeof ZCustomToolCall>;

export const ZToolCall = z.discriminatedUnion("type", [ZFunctionToolCall, ZCustomToolCall]);
export type TToolCall = z.infer<typeof ZToolCall>;

// ---- messages -------------------------------------------------------------------------------

export const ZSystemMessage = z.looseObject({
  role: z.literal("system"),
  content: ZTextContent,
  name: z.string().optional(),
});
export type TSystemMessage = z.infer<typeof ZSystemMessage>;

/** The newer name for system instructions (o1 and later models). */
export const ZDeveloperMessage = z.looseObject({
  role: z.literal("developer"),
  content: ZTextContent,
  name: z.string().optional(),
});
export type TDeveloperMessage = z.infer<typeof ZDeveloperMessage>;

export const ZUserMessage = z.looseObject({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(ZUserContentPart)]),
  name: z.string().optional(),
});
export type TUserMessage = z.infer<typeof ZUserMessage>;

export const ZAssistantMessage = z.looseObject({
  role: z.literal("assistant"),
  /** Null (or absent) when the turn was only tool calls. */
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [ZTextPart, ZRefusalPart]))]).nullish(),
  refusal: z.string().nullish(),
  name: z.string().optional(),
  tool_calls: z.array(ZToolCall).optional(),
  /** A previous audio response, by id. */
  audio: z.looseObject({ id: z.string() }).nullish(),
  /** Deprecated: the single function call that preceded `tool_calls`. */
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
});
export type TAssistantMessage = z.infer<typeof ZAssistantMessage>;

export const ZToolMessage = z.looseObject({
  role: z.literal("tool"),
  content: ZTextContent,
  tool_call_id: z.string().min(1),
});
export type TToolMessage = z.infer<typeof ZToolMessage>;

/** Deprecated: the result of a `function_call`; still sent by old clients and still in the SDK. */
export const ZFunctionMessage = z.looseObject({
  role: z.literal("function"),
  content: z.string().nullable(),
  name: z.string(),
});
export type TFunctionMessage = z.infer<typeof ZFunctionMessage>;

export const ZChatMessage = z.discriminatedUnion("role", [
  ZSystemMessage,
  ZDeveloperMessage,
  ZUserMessage,
  ZAssistantMessage,
  ZToolMessage,
  ZFunctionMessage,
]);
export type TChatMessage = z.infer<typeof ZChatMessage>;
export type TChatRole = TChatMessage["role"];

// OpenAI chat messages -> Anthropic system prompt and alternating user/assistant turns (part of the
// request translation in anthropic-request.ts). Pure.
import type {
  ContentBlockParam,
  DocumentBlockParam,
  ImageBlockParam,
  MessageParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionCreateParams,
} from "openai/resources/chat/completions";

/** A request this upstream cannot serve as asked; `param` is the OpenAI parameter to blame. */
export class AnthropicTranslationError extends Error {
  override name = "AnthropicTranslationError";
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

const IMAGE_MEDIA_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;
type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];
const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;

interface DataUrl {
  mediaType: string;
  base64: boolean;
  data: string;
}

function parseDataUrl(url: string): DataUrl | undefined {
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  const [, mediaType = "", attrs = "", data = ""] = match;
  return { mediaType: mediaType.toLowerCase(), base64: attrs.split(";").includes("base64"), data };
}

function joinText(content: string | ReadonlyArray<{ type: string; text?: string }>): string {
  if (typeof content === "string") return content;
  return content
    .map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .filter((text) => text.length > 0)
    .join("\n");
}

function imageBlock(url: string, param: string): ImageBlockParam {
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  const parsed = parseDataUrl(url);
  if (!parsed) throw new AnthropicTranslationError("Image URLs must be http(s) or data: URLs.", param);
  const mediaType = parsed.mediaType === "image/jpg" ? "image/jpeg" : parsed.mediaType;
  if (!IMAGE_MEDIA_TYPES.includes(mediaType as ImageMediaType)) {
    throw new AnthropicTranslationError(`Unsupported image type ${JSON.stringify(mediaType)}.`, param);
  }
  if (!parsed.base64) throw new AnthropicTranslationError("Image data URLs must be base64.", param);
  return {
    type: "image",
    source: { type: "base64", media_type: mediaType as ImageMediaType, data: parsed.data },
  };
}

function documentBlock(part: ChatCompletionContentPart.File, param: string): DocumentBlockParam {
  const { file_data: fileData, file_id: fileId, filename } = part.file;
  if (fileId !== undefined) {
    throw new AnthropicTranslationError(
      "File ids are not supported; send file_data.",
      `${param}.file.file_id`,
    );
  }
  if (!fileData) throw new AnthropicTranslationError("file_data is required.", `${param}.file.file_data`);
  const parsed = parseDataUrl(fileData) ?? { mediaType: "application/pdf", base64: true, data: fileData };
  const title = filename ? { title: filename } : {};
  if (parsed.mediaType === "application/pdf" && parsed.base64) {
    return {
      type: "document",
      source: { type: "base64", media_type: "application/pdf", data: parsed.data },
      ...title,
    };
  }
  if (parsed.mediaType === "text/plain") {
    const text = parsed.base64
      ? Buffer.from(parsed.data, "base64").toString("utf8")
      : decodeURIComponent(parsed.data);
    return { type: "document", source: { type: "text", media_type: "text/plain", data: text }, ...title };
  }
  throw new AnthropicTranslationError(
    "Only PDF and plain-text files are supported.",
    `${param}.file.file_data`,
  );
}

function userBlocks(content: string | ChatCompletionContentPart[], i: number): ContentBlockParam[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return content.flatMap((part, j): ContentBlockParam[] => {
    const param = `messages[${i}].content[${j}]`;
    switch (part.type) {
      case "text":
        return part.text ? [{ type: "text", text: part.text }] : [];
      case "image_url":
        return [imageBlock(part.image_url.url, `${param}.image_url.url`)];
      case "file":
        return [documentBlock(part, param)];
      default:
        throw new AnthropicTranslationError(`Content parts of type ${part.type} are not supported.`, param);
    }
  });
}

function toolUseInput(raw: string, param: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AnthropicTranslationError("Tool call arguments must be valid JSON.", param);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AnthropicTranslationError("Tool call arguments must be a JSON object.", param);
  }
  return parsed as Record<string, unknown>;
}

function assistantBlocks(message: ChatCompletionAssistantMessageParam, i: number): ContentBlockParam[] {
  if (message.function_call) {
    throw new AnthropicTranslationError(
      "Legacy function_call is not supported; use tool_calls.",
      `messages[${i}].function_call`,
    );
  }
  const blocks: ContentBlockParam[] = [];
  const content = message.content;
  if (typeof content === "string") {
    if (content) blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === "text" ? part.text : part.refusal;
      if (text) blocks.push({ type: "text", text });
    }
  }
  (message.tool_calls ?? []).forEach((call, j) => {
    const param = `messages[${i}].tool_calls[${j}]`;
    if (call.type !== "function") {
      throw new AnthropicTranslationError("Only function tool calls are supported.", param);
    }
    const input = toolUseInput(call.function.arguments, `${param}.function.arguments`);
    blocks.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input,
    } satisfies ToolUseBlockParam);
  });
  return blocks;
}

interface Turn {
  role: "user" | "assistant";
  blocks: ContentBlockParam[];
}

/**
 * system/developer messages -> `system` texts, in order, wherever they stand (this API version also
 * takes role "system" inside `messages`, but only on some models and positions, so we always hoist);
 * user parts -> text/image/document blocks; assistant text and tool_calls -> text and tool_use blocks;
 * tool messages -> tool_result blocks in a user turn. Consecutive same-role turns are merged, which
 * also puts consecutive tool results into one user turn, with the tool_result blocks first.
 */
export function translateMessages(params: ChatCompletionCreateParams): {
  system: string[];
  messages: MessageParam[];
} {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn["role"], blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    // Anthropic wants alternating turns: consecutive same-role messages become one turn.
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };
  params.messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer": {
        // Hoisted to the top-level `system`, in order, wherever they appear in the conversation.
        const text = joinText(message.content);
        if (text) system.push(text);
        break;
      }
      case "user":
        push("user", userBlocks(message.content, i));
        break;
      case "assistant":
        push("assistant", assistantBlocks(message, i));
        break;
      case "tool": {
        const text = joinText(message.content);
        const result: ToolResultBlockParam = { type: "tool_result", tool_use_id: message.tool_call_id };
        if (text) result.content = text;
        push("user", [result]);
        break;
      }
      default:
        throw new AnthropicTranslationError(
          "Legacy function messages are not supported; use tool messages.",
          `messages[${i}].role`,
        );
    }
  });
  const messages = turns.map((turn): MessageParam => {
    if (turn.role === "assistant") return { role: "assistant", content: turn.blocks };
    // tool_result blocks must come first in a user turn.
    const results = turn.blocks.filter((block) => block.type === "tool_result");
    const rest = turn.blocks.filter((block) => block.type !== "tool_result");
    return { role: "user", content: [...results, ...rest] };
  });
  return { system, messages };
}

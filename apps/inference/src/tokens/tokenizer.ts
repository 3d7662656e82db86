// Token counting with a real tokenizer (o200k_base, GPT-4o's encoding). Used where the gateway
// must count for itself: the demo provider, reservations, and estimates when an upstream never
// reported usage. Other vendors' tokenizers differ a little; estimates are flagged as such.
import { countTokens, decode, encode } from "gpt-tokenizer/encoding/o200k_base";
import type { ChatCompletionCreateParamsNonStreaming } from "../providers/types.ts";

export { decode, encode };

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text);
}

/** Text of a message's content, whatever its form (string or content parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content as Array<{ type?: string; text?: string; refusal?: string }>) {
    if (part.type === "text" && typeof part.text === "string") text += part.text;
    else if (part.type === "refusal" && typeof part.refusal === "string") text += part.refusal;
  }
  return text;
}

// OpenAI's published accounting for chat formatting: 3 tokens per message, 3 to prime the reply.
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
// An image costs at least this many tokens at low detail (OpenAI's base cost).
const IMAGE_TOKENS = 85;

/** Prompt tokens of a chat request: messages, tool definitions and images. */
export function countChatPromptTokens(
  params: Pick<ChatCompletionCreateParamsNonStreaming, "messages" | "tools">,
): number {
  let total = REPLY_PRIMING;
  for (const message of params.messages) {
    total +=
      TOKENS_PER_MESSAGE + countTextTokens(message.role) + countTextTokens(contentText(message.content));
    if (Array.isArray(message.content)) {
      for (const part of message.content as Array<{ type?: string }>)
        if (part.type === "image_url") total += IMAGE_TOKENS;
    }
    if ("tool_calls" in message && message.tool_calls) {
      for (const call of message.tool_calls) {
        if (call.type === "function")
          total += countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
      }
    }
    if ("name" in message && typeof message.name === "string") total += countTextTokens(message.name) + 1;
  }
  if (params.tools?.length) total += countTextTokens(JSON.stringify(params.tools));
  return total;
}

/** Tokens of an embeddings input or a legacy prompt: text, texts, or pre-tokenized arrays. */
export function countInputTokens(input: unknown): number {
  if (typeof input === "string") return countTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input as unknown[]) {
    total +=
      typeof item === "string"
        ? countTextTokens(item)
        : typeof item === "number"
          ? 1
          : Array.isArray(item)
            ? item.length
            : 0;
  }
  return total;
}

// An image in Anthropic's accounting: (width x height) / 750 tokens, about 1,600 at the largest
// size it accepts without downscaling. The reservation takes the most.
const ANTHROPIC_IMAGE_TOKENS = 1_600;

/** Text a Messages API block carries, as JSON for everything but text (tool input, results). */
function blockTokens(block: unknown): number {
  if (typeof block === "string") return countTextTokens(block);
  const typed = block as { type?: string; text?: unknown; content?: unknown };
  if (typed.type === "text" && typeof typed.text === "string") return countTextTokens(typed.text);
  if (typed.type === "image") return ANTHROPIC_IMAGE_TOKENS;
  if (typed.type === "tool_result" && Array.isArray(typed.content)) {
    let total = 0;
    for (const inner of typed.content) total += blockTokens(inner);
    return total;
  }
  if (typed.type === "tool_result" && typeof typed.content === "string")
    return countTextTokens(typed.content);
  return countTextTokens(JSON.stringify(block));
}

/** Prompt tokens of an Anthropic Messages request: system, messages (every block) and tools. */
export function countMessagesPromptTokens(body: {
  system?: unknown;
  messages: ReadonlyArray<{ role: string; content: unknown }>;
  tools?: unknown;
}): number {
  let total = REPLY_PRIMING;
  if (typeof body.system === "string") total += countTextTokens(body.system);
  else if (Array.isArray(body.system)) for (const block of body.system) total += blockTokens(block);
  for (const message of body.messages) {
    total += TOKENS_PER_MESSAGE;
    if (typeof message.content === "string") total += countTextTokens(message.content);
    else if (Array.isArray(message.content)) for (const block of message.content) total += blockTokens(block);
  }
  if (Array.isArray(body.tools) && body.tools.length > 0)
    total += countTextTokens(JSON.stringify(body.tools));
  return total;
}

// Anthropic Message -> OpenAI ChatCompletion, and the pieces the stream translator shares. Pure.
import type { Message, StopReason } from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  ChatCompletion,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";

export type FinishReason = ChatCompletion.Choice["finish_reason"];

/**
 * end_turn / stop_sequence / pause_turn -> stop; max_tokens / model_context_window_exceeded -> length;
 * tool_use -> tool_calls; refusal -> content_filter. A missing reason counts as stop.
 */
export function toFinishReason(reason: StopReason | string | null | undefined): FinishReason {
  switch (reason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

/** The usage fields the translation reads; Message usage and message_delta usage both fit. */
export interface AnthropicUsageLike {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/**
 * Anthropic counts cache reads and cache writes apart from `input_tokens`; OpenAI's prompt_tokens
 * includes everything. So prompt_tokens = input + cache read + cache creation,
 * prompt_tokens_details.cached_tokens = cache read, and prompt_tokens_details.cache_write_tokens
 * (a field the openai SDK types carry, "prompt tokens written to cache") = cache creation, which the
 * gateway bills separately. Thinking tokens are part of output_tokens and show as reasoning_tokens.
 */
export function toOpenAIUsage(usage: AnthropicUsageLike): CompletionUsage {
  const input = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const prompt = input + cacheRead + cacheWrite;
  const result: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number") result.completion_tokens_details = { reasoning_tokens: thinking };
  return result;
}

/** "msg_01Xyz" -> "chatcmpl-01Xyz". */
export function toCompletionId(messageId: string): string {
  return `chatcmpl-${messageId.replace(/^msg_/, "")}`;
}

/**
 * Text blocks are concatenated into `content` (null when the answer is only tool calls); tool_use
 * blocks become function tool calls with JSON-string arguments. Thinking and server-tool blocks are
 * not surfaced. `model` is the model string the gateway was asked for.
 */
export function toChatCompletion(message: Message, model: string, now: number = Date.now()): ChatCompletion {
  let text = "";
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const refusal = message.stop_reason === "refusal" ? (message.stop_details?.explanation ?? null) : null;
  return {
    id: toCompletionId(message.id),
    object: "chat.completion",
    created: Math.floor(now / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text === "" && toolCalls.length > 0 ? null : text,
          refusal,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: toFinishReason(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: toOpenAIUsage(message.usage),
  };
}

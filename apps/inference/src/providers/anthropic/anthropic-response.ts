// Anthropic Message -> OpenAI ChatCompletion, and the pieces the stream translator shares. Pure.
import type { Message, StopReason } from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  ChatCompletion,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import { usageFromAnthropic, usageToChat } from "../../dialects/usage-fields.ts";

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
    usage: usageToChat(usageFromAnthropic(message.usage)),
  };
}

// OpenAI ChatCompletion -> Anthropic Message, the answer to a `POST /v1/messages` that a
// non-Anthropic model served (see messages-to-chat.ts for the request). Pure. Also the pieces the
// stream translator (chat-to-message-events.ts) shares: ids, tool input, usage.
//
// Decisions:
// - Content is a text block (the reply's text, then its refusal text, if any; none when both are
//   empty) followed by one tool_use block per function tool call, as Anthropic orders them.
// - Tool call arguments that are not a JSON object (invalid JSON, typically cut off by max_tokens,
//   or a JSON array/string) become `{}`: Anthropic's `input` is always an object, and the client's
//   own validation of the tool input then reports the missing fields to the model, which is how a
//   bad tool call is corrected anyway. The raw text is not smuggled into an invented field.
// - stop_reason: see anthropic-stop-reason.ts. "stop" is end_turn unless the upstream reported
//   which stop sequence matched (vLLM, SGLang): then stop_sequence with `stop_sequence` set.
//   OpenAI itself does not say, and guessing from the text is impossible (the sequence is cut off).
// - Usage: usageToAnthropic(usageFromChat(...)); reasoning tokens show as
//   output_tokens_details.thinking_tokens. Fields Anthropic reports about its own service
//   (service_tier, inference_geo, speed, server_tool_use, cache_creation) are null.
import { randomUUID } from "node:crypto";
import type {
  ContentBlock,
  Message,
  MessageDeltaUsage,
  Usage,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { ChatCompletion } from "../../providers/types.ts";
import { type ChatUsageFields, usageFromChat, usageToAnthropic } from "../usage-fields.ts";
import { anthropicStop, reportedStopSequence } from "./anthropic-stop-reason.ts";

/** "chatcmpl-AbC" -> "msg_AbC"; a fresh id when the upstream sent none. */
export function toMessageId(completionId: string | null | undefined): string {
  const suffix = (completionId ?? "").replace(/^(?:chatcmpl-|msg_)/, "");
  return `msg_${suffix || randomUUID().replaceAll("-", "")}`;
}

/** The call's own id (clients send it back as tool_use_id, which becomes tool_call_id again). */
export function toToolUseId(callId: string | null | undefined, messageId: string, index: number): string {
  return callId || `toolu_${messageId.replace(/^msg_/, "")}_${index}`;
}

/** Tool call arguments as a tool_use `input`: the JSON object they hold, else `{}`. */
export function toToolInput(args: string | null | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args ?? "");
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // not JSON: fall through
  }
  return {};
}

/** The usage counts of a message_delta event, from a Chat usage object. */
export function toDeltaUsage(usage: ChatUsageFields): MessageDeltaUsage {
  const tokens = usageFromChat(usage);
  return {
    ...usageToAnthropic(tokens),
    output_tokens_details: tokens.reasoningTokens > 0 ? { thinking_tokens: tokens.reasoningTokens } : null,
    server_tool_use: null,
  };
}

/** A Message's `usage`: the counts of `toDeltaUsage`, and null for what only Anthropic knows. */
export function toMessageUsage(usage: MessageDeltaUsage): Usage {
  return {
    input_tokens: usage.input_tokens ?? 0,
    output_tokens: usage.output_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    output_tokens_details: usage.output_tokens_details,
    server_tool_use: usage.server_tool_use,
    cache_creation: null,
    inference_geo: null,
    service_tier: null,
    speed: null,
  };
}

/** The Message for choice 0 of `completion`; `model` is the model the client asked for. */
export function chatToMessage(completion: ChatCompletion, model: string): Message {
  const id = toMessageId(completion.id);
  const choice = completion.choices.find((c) => c.index === 0) ?? completion.choices[0];
  const content: ContentBlock[] = [];
  const refusal = choice?.message.refusal ?? "";
  const text = (choice?.message.content ?? "") + refusal;
  if (text !== "") content.push({ type: "text", text, citations: null });
  (choice?.message.tool_calls ?? []).forEach((call, k) => {
    if (call.type !== "function") return; // custom tools are never requested by messagesToChat
    content.push({
      type: "tool_use",
      id: toToolUseId(call.id, id, k),
      name: call.function.name,
      input: toToolInput(call.function.arguments),
      caller: { type: "direct" },
    });
  });
  const stop = anthropicStop(choice?.finish_reason, {
    refused: refusal !== "",
    stopSequence: reportedStopSequence(choice),
  });
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    ...stop,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: toMessageUsage(toDeltaUsage(completion.usage ?? {})),
  };
}

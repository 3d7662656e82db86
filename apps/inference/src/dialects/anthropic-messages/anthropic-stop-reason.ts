// Chat Completions finish reasons -> Anthropic stop reasons, for answers translated back to the
// Messages dialect. (providers/anthropic/anthropic-response.ts maps the other way.) Pure.
import type { StopReason } from "@anthropic-ai/sdk/resources/messages/messages";

/**
 * stop -> end_turn; length -> max_tokens; tool_calls (and legacy function_call) -> tool_use;
 * content_filter -> refusal. A missing or unknown reason counts as end_turn.
 */
export function anthropicStopReason(finishReason: string | null | undefined): StopReason {
  switch (finishReason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/**
 * The stop sequence that ended a choice, when the upstream says which. OpenAI does not (its
 * finish_reason is "stop" for a natural end and a stop sequence alike); vLLM reports the matched
 * string as `stop_reason` and SGLang as `matched_stop` (both send a number for a stop token instead).
 */
export function reportedStopSequence(choice: object | undefined): string | null {
  if (!choice) return null;
  const { stop_reason: vllm, matched_stop: sglang } = choice as {
    stop_reason?: unknown;
    matched_stop?: unknown;
  };
  for (const value of [vllm, sglang]) if (typeof value === "string" && value !== "") return value;
  return null;
}

/**
 * The Message's `stop_reason` and `stop_sequence`: a "stop" that a reported stop sequence caused is
 * stop_sequence; a reply the model refused (OpenAI's `refusal`) is refusal.
 */
export function anthropicStop(
  finishReason: string | null | undefined,
  details: { refused?: boolean; stopSequence?: string | null } = {},
): { stop_reason: StopReason; stop_sequence: string | null } {
  const reason = anthropicStopReason(finishReason);
  if (reason === "end_turn" && details.refused) return { stop_reason: "refusal", stop_sequence: null };
  if (finishReason === "stop" && details.stopSequence) {
    return { stop_reason: "stop_sequence", stop_sequence: details.stopSequence };
  }
  return { stop_reason: reason, stop_sequence: null };
}

// The gateway's one usage model (TokenUsage: all input tokens, cached reads, cache writes, output,
// reasoning) mapped to and from each client dialect's usage fields, in one place:
// - OpenAI Chat Completions / legacy completions: prompt_tokens includes everything;
//   prompt_tokens_details.cached_tokens = cache reads, .cache_write_tokens = cache writes (a field
//   the openai SDK types carry); completion_tokens_details.reasoning_tokens is part of output.
// - OpenAI Responses: input_tokens includes everything; input_tokens_details.cached_tokens and
//   .cache_write_tokens; output_tokens_details.reasoning_tokens is part of output_tokens.
// - Anthropic Messages: input_tokens counts only the uncached part; cache_read_input_tokens and
//   cache_creation_input_tokens come on top; output_tokens_details.thinking_tokens is part of output.
import type { TokenUsage } from "../metering/pricing/cost.ts";

/** Chat Completions' usage object as the openai SDK types it (every field optional on the way in). */
export interface ChatUsageFields {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** Anthropic's usage fields the gateway reads; Message usage and message_delta usage both fit. */
export interface AnthropicUsageFields {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** The Responses API's usage object. */
export interface ResponsesUsageFields {
  input_tokens?: number | null;
  output_tokens?: number | null;
  total_tokens?: number | null;
  input_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  output_tokens_details?: { reasoning_tokens?: number | null } | null;
}

const n = (value: number | null | undefined): number => value ?? 0;

export function usageFromChat(usage: ChatUsageFields): TokenUsage {
  return {
    inputTokens: n(usage.prompt_tokens),
    outputTokens: n(usage.completion_tokens),
    cachedInputTokens: n(usage.prompt_tokens_details?.cached_tokens),
    cacheWriteTokens: n(usage.prompt_tokens_details?.cache_write_tokens),
    reasoningTokens: n(usage.completion_tokens_details?.reasoning_tokens),
  };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export function usageToChat(usage: TokenUsage): ChatUsage {
  const result: ChatUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: {
      cached_tokens: usage.cachedInputTokens,
      cache_write_tokens: usage.cacheWriteTokens,
    },
  };
  if (usage.reasoningTokens > 0)
    result.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return result;
}

export function usageFromAnthropic(usage: AnthropicUsageFields): TokenUsage {
  const cacheRead = n(usage.cache_read_input_tokens);
  const cacheWrite = n(usage.cache_creation_input_tokens);
  return {
    inputTokens: n(usage.input_tokens) + cacheRead + cacheWrite,
    outputTokens: n(usage.output_tokens),
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: n(usage.output_tokens_details?.thinking_tokens),
  };
}

/**
 * A stream's usage so far: message_delta's usage is cumulative, its non-null fields replace
 * message_start's (which carries the input and cache counts).
 */
export function mergeAnthropicUsage(
  into: AnthropicUsageFields,
  usage: AnthropicUsageFields | null | undefined,
): void {
  if (!usage) return;
  for (const key of [
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
  ] as const) {
    const value = usage[key];
    if (typeof value === "number") into[key] = value;
  }
  if (usage.output_tokens_details) into.output_tokens_details = usage.output_tokens_details;
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export function usageToAnthropic(usage: TokenUsage): AnthropicUsage {
  const cacheRead = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cacheWrite = Math.min(usage.cacheWriteTokens, usage.inputTokens - cacheRead);
  return {
    input_tokens: usage.inputTokens - cacheRead - cacheWrite,
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}

export function usageFromResponses(usage: ResponsesUsageFields): TokenUsage {
  return {
    inputTokens: n(usage.input_tokens),
    outputTokens: n(usage.output_tokens),
    cachedInputTokens: n(usage.input_tokens_details?.cached_tokens),
    cacheWriteTokens: n(usage.input_tokens_details?.cache_write_tokens),
    reasoningTokens: n(usage.output_tokens_details?.reasoning_tokens),
  };
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export function usageToResponses(usage: TokenUsage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: {
      cached_tokens: usage.cachedInputTokens,
      cache_write_tokens: usage.cacheWriteTokens,
    },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

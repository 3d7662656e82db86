import { describe, expect, it } from "vitest";
import {
  usageFromAnthropic,
  usageFromChat,
  usageFromResponses,
  usageToAnthropic,
  usageToChat,
  usageToResponses,
} from "../../src/dialects/usage-fields.ts";
import type { TokenUsage } from "../../src/metering/pricing/cost.ts";

/** 100 uncached + 1000 cache reads + 300 cache writes in; 40 out, 12 of them reasoning. */
const USAGE: TokenUsage = {
  inputTokens: 1400,
  outputTokens: 40,
  cachedInputTokens: 1000,
  cacheWriteTokens: 300,
  reasoningTokens: 12,
};

describe("one usage model, mapped to every dialect", () => {
  it("Anthropic: input_tokens excludes cache reads and writes, which come on top", () => {
    const anthropic = {
      input_tokens: 100,
      output_tokens: 40,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 300,
      output_tokens_details: { thinking_tokens: 12 },
    };
    expect(usageFromAnthropic(anthropic)).toEqual(USAGE);
    expect(usageToAnthropic(USAGE)).toEqual({
      input_tokens: 100,
      output_tokens: 40,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 300,
    });
    // message_start carries input and cache tokens with output 1; message_delta's null fields keep them.
    expect(usageFromAnthropic({ input_tokens: 5, cache_read_input_tokens: null, output_tokens: 1 })).toEqual({
      inputTokens: 5,
      outputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it("Chat Completions: prompt_tokens includes the cache, with both visible in the details", () => {
    const chat = usageToChat(USAGE);
    expect(chat).toEqual({
      prompt_tokens: 1400,
      completion_tokens: 40,
      total_tokens: 1440,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 300 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
    expect(usageFromChat(chat)).toEqual(USAGE);
    expect(usageFromChat({ prompt_tokens: 7, completion_tokens: 3 })).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it("Responses: input_tokens includes the cache; reasoning is part of output_tokens", () => {
    const responses = usageToResponses(USAGE);
    expect(responses).toEqual({
      input_tokens: 1400,
      input_tokens_details: { cached_tokens: 1000, cache_write_tokens: 300 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 1440,
    });
    expect(usageFromResponses(responses)).toEqual(USAGE);
  });

  it("a usage between dialects keeps every field (Anthropic -> Chat -> Responses -> Anthropic)", () => {
    const anthropic = usageToAnthropic(USAGE);
    const round = usageToAnthropic(
      usageFromResponses(usageToResponses(usageFromChat(usageToChat(usageFromAnthropic(anthropic))))),
    );
    expect(round).toEqual(anthropic);
  });

  it("never reports a negative uncached input, even when an upstream's details exceed its total", () => {
    const odd = { ...USAGE, inputTokens: 900 };
    const mapped = usageToAnthropic(odd);
    expect(mapped.input_tokens).toBeGreaterThanOrEqual(0);
    expect(mapped.input_tokens + mapped.cache_read_input_tokens + mapped.cache_creation_input_tokens).toBe(
      900,
    );
  });
});

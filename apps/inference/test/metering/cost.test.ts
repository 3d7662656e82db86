import { parseUsd } from "@gw/contracts";
import { defaultPrices } from "@gw/db";
import { describe, expect, it } from "vitest";
import { usageFromChat } from "../../src/dialects/usage-fields.ts";
import { costOf, maxCostOf } from "../../src/metering/pricing/cost.ts";
import type { Price } from "../../src/metering/pricing/prices.ts";

function seeded(provider: string, model: string): Price {
  const row = defaultPrices.find((p) => p.provider === provider && p.model === model);
  if (!row) throw new Error(`no seeded price for ${provider}/${model}`);
  return {
    input: parseUsd(row.input),
    output: parseUsd(row.output),
    cachedInput: row.cachedInput === undefined ? null : parseUsd(row.cachedInput),
    cacheWrite: row.cacheWrite === undefined ? null : parseUsd(row.cacheWrite),
  };
}

describe("cost golden values (micro-dollars)", () => {
  it("openai gpt-4o: cached prompt tokens at the cached rate, reasoning inside output", () => {
    // 10,000 prompt tokens of which 4,000 cached; 2,000 output of which 500 reasoning.
    const usage = usageFromChat({
      prompt_tokens: 10_000,
      completion_tokens: 2_000,
      prompt_tokens_details: { cached_tokens: 4_000 },
      completion_tokens_details: { reasoning_tokens: 500 },
    });
    // input: 6,000 x $2.50/M = $0.015 + 4,000 x $1.25/M = $0.005 -> 20,000 µ$; output: 2,000 x $10/M = 20,000 µ$.
    expect(costOf(usage, seeded("openai", "gpt-4o"))).toEqual({
      inputCostMicros: 20_000n,
      outputCostMicros: 20_000n,
      costMicros: 40_000n,
    });
    expect(usage.reasoningTokens).toBe(500);
  });

  it("openai gpt-4o-mini rounds each part up to the next micro-dollar", () => {
    // 7 prompt tokens x $0.15/M = 1.05 µ$ -> 2; 3 output x $0.60/M = 1.8 µ$ -> 2.
    expect(
      costOf(usageFromChat({ prompt_tokens: 7, completion_tokens: 3 }), seeded("openai", "gpt-4o-mini")),
    ).toEqual({
      inputCostMicros: 2n,
      outputCostMicros: 2n,
      costMicros: 4n,
    });
  });

  it("anthropic claude-3-5-sonnet: cache reads and cache writes at their own rates", () => {
    // prompt 5,000 = 1,000 plain + 3,000 cache read + 1,000 cache write; 800 output.
    const usage = usageFromChat({
      prompt_tokens: 5_000,
      completion_tokens: 800,
      prompt_tokens_details: { cached_tokens: 3_000, cache_write_tokens: 1_000 },
    });
    // 1,000 x $3 = 3,000 µ$; 3,000 x $0.30 = 900 µ$; 1,000 x $3.75 = 3,750 µ$ -> 7,650; output 800 x $15 = 12,000.
    expect(costOf(usage, seeded("anthropic", "claude-3-5-sonnet-20241022"))).toEqual({
      inputCostMicros: 7_650n,
      outputCostMicros: 12_000n,
      costMicros: 19_650n,
    });
  });

  it("nebius and deepinfra llama 70B differ by provider", () => {
    const usage = usageFromChat({ prompt_tokens: 1_000_000, completion_tokens: 1_000_000 });
    expect(costOf(usage, seeded("nebius", "meta-llama/Meta-Llama-3.1-70B-Instruct")).costMicros).toBe(
      530_000n,
    );
    expect(costOf(usage, seeded("deepinfra", "meta-llama/Meta-Llama-3.1-70B-Instruct")).costMicros).toBe(
      630_000n,
    );
  });

  it("a model without a cached price bills cached tokens at the input rate", () => {
    const usage = usageFromChat({
      prompt_tokens: 1_000,
      completion_tokens: 0,
      prompt_tokens_details: { cached_tokens: 1_000 },
    });
    expect(costOf(usage, seeded("openai", "gpt-4-turbo")).costMicros).toBe(10_000n);
  });

  it("the maximum cost bounds every real cost for the same token budget", () => {
    const price = seeded("anthropic", "claude-3-5-haiku-20241022");
    const max = maxCostOf(1_000, 500, price);
    // Dearest input rate (cache write $1.00 > input $0.80) for all 1,000 prompt tokens + 500 output at $4.
    expect(max).toBe(1_000n + 2_000n);
    for (const cacheWrite of [0, 500, 1_000]) {
      const usage = usageFromChat({
        prompt_tokens: 1_000,
        completion_tokens: 500,
        prompt_tokens_details: { cache_write_tokens: cacheWrite },
      });
      expect(costOf(usage, price).costMicros).toBeLessThanOrEqual(max);
    }
  });
});

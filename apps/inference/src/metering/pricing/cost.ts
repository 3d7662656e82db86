// What a request costs, from token counts and a price. Integer micro-dollars throughout; each of
// input and output is rounded up once, so the platform never undercharges through rounding.
import type { Price } from "./prices.ts";

export interface TokenUsage {
  /** All prompt tokens, including cached reads and cache writes. */
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** Part of outputTokens (billed as output), recorded separately. */
  reasoningTokens: number;
}

export interface Cost {
  inputCostMicros: bigint;
  outputCostMicros: bigint;
  costMicros: bigint;
}

export const NO_USAGE: Readonly<TokenUsage> = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

export const NO_COST: Readonly<Cost> = Object.freeze({
  inputCostMicros: 0n,
  outputCostMicros: 0n,
  costMicros: 0n,
});

const ceilDiv = (numerator: bigint, divisor: bigint) => (numerator + divisor - 1n) / divisor;
const MILLION = 1_000_000n;

export function costOf(usage: TokenUsage, price: Price): Cost {
  const cached = BigInt(Math.min(usage.cachedInputTokens, usage.inputTokens));
  const cacheWrite = BigInt(Math.min(usage.cacheWriteTokens, usage.inputTokens - Number(cached)));
  const uncached = BigInt(usage.inputTokens) - cached - cacheWrite;
  const inputCostMicros = ceilDiv(
    uncached * price.input +
      cached * (price.cachedInput ?? price.input) +
      cacheWrite * (price.cacheWrite ?? price.input),
    MILLION,
  );
  const outputCostMicros = ceilDiv(BigInt(usage.outputTokens) * price.output, MILLION);
  return { inputCostMicros, outputCostMicros, costMicros: inputCostMicros + outputCostMicros };
}

/**
 * The most a request can cost at this price: every prompt token at the dearest input rate (a
 * cache write costs more than a plain read) and every allowed output token.
 */
export function maxCostOf(promptTokens: number, maxOutputTokens: number, price: Price): bigint {
  const inputRate =
    price.cacheWrite !== null && price.cacheWrite > price.input ? price.cacheWrite : price.input;
  return (
    ceilDiv(BigInt(promptTokens) * inputRate, MILLION) +
    ceilDiv(BigInt(maxOutputTokens) * price.output, MILLION)
  );
}

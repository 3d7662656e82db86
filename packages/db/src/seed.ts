import { parseUsd as usd } from "@gw/contracts";
import type { PrismaClient } from "./generated/prisma/client.ts";

export interface SeedPrice {
  provider: string;
  model: string;
  input: string;
  output: string;
  cachedInput?: string;
  cacheWrite?: string;
  source: string;
}

/** When the prices below were the providers' published list prices. */
export const defaultPricesEffectiveFrom = new Date("2024-12-01T00:00:00.000Z");

/**
 * Published per-million-token list prices (USD) of the default models of the seed routes.
 * Anthropic cache writes are the 5-minute cache-write price; cached input is the cache-hit price.
 */
export const defaultPrices: SeedPrice[] = [
  {
    provider: "openai",
    model: "gpt-4o",
    input: "2.50",
    output: "10.00",
    cachedInput: "1.25",
    source: "openai.com/api/pricing",
  },
  {
    provider: "openai",
    model: "gpt-4o-mini",
    input: "0.15",
    output: "0.60",
    cachedInput: "0.075",
    source: "openai.com/api/pricing",
  },
  {
    provider: "openai",
    model: "gpt-4-turbo",
    input: "10.00",
    output: "30.00",
    source: "openai.com/api/pricing",
  },
  {
    provider: "openai",
    model: "gpt-3.5-turbo",
    input: "0.50",
    output: "1.50",
    source: "openai.com/api/pricing",
  },
  {
    provider: "openai",
    model: "text-embedding-3-small",
    input: "0.02",
    output: "0",
    source: "openai.com/api/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    input: "3.00",
    output: "15.00",
    cachedInput: "0.30",
    cacheWrite: "3.75",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-sonnet-4-5-20250929",
    input: "3.00",
    output: "15.00",
    cachedInput: "0.30",
    cacheWrite: "3.75",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-haiku-4-5",
    input: "1.00",
    output: "5.00",
    cachedInput: "0.10",
    cacheWrite: "1.25",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-haiku-4-5-20251001",
    input: "1.00",
    output: "5.00",
    cachedInput: "0.10",
    cacheWrite: "1.25",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-opus-4-5",
    input: "5.00",
    output: "25.00",
    cachedInput: "0.50",
    cacheWrite: "6.25",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-opus-4-5-20251101",
    input: "5.00",
    output: "25.00",
    cachedInput: "0.50",
    cacheWrite: "6.25",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-opus-4-1",
    input: "15.00",
    output: "75.00",
    cachedInput: "1.50",
    cacheWrite: "18.75",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-opus-4-1-20250805",
    input: "15.00",
    output: "75.00",
    cachedInput: "1.50",
    cacheWrite: "18.75",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-3-5-sonnet-20241022",
    input: "3.00",
    output: "15.00",
    cachedInput: "0.30",
    cacheWrite: "3.75",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-3-5-haiku-20241022",
    input: "0.80",
    output: "4.00",
    cachedInput: "0.08",
    cacheWrite: "1.00",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-3-opus-20240229",
    input: "15.00",
    output: "75.00",
    cachedInput: "1.50",
    cacheWrite: "18.75",
    source: "anthropic.com/pricing",
  },
  {
    provider: "anthropic",
    model: "claude-3-haiku-20240307",
    input: "0.25",
    output: "1.25",
    cachedInput: "0.03",
    cacheWrite: "0.30",
    source: "anthropic.com/pricing",
  },
  {
    provider: "nebius",
    model: "meta-llama/Meta-Llama-3.1-70B-Instruct",
    input: "0.13",
    output: "0.40",
    source: "studio.nebius.ai pricing",
  },
  {
    provider: "nebius",
    model: "meta-llama/Meta-Llama-3.1-8B-Instruct",
    input: "0.02",
    output: "0.06",
    source: "studio.nebius.ai pricing",
  },
  {
    provider: "deepinfra",
    model: "meta-llama/Meta-Llama-3.1-70B-Instruct",
    input: "0.23",
    output: "0.40",
    source: "deepinfra.com/pricing",
  },
  {
    provider: "deepinfra",
    model: "meta-llama/Meta-Llama-3.1-8B-Instruct",
    input: "0.03",
    output: "0.05",
    source: "deepinfra.com/pricing",
  },
  // The built-in demo provider is billed like a small real model, so the embedded default shows
  // real numbers in usage and billing.
  { provider: "demo", model: "demo-chat", input: "0.50", output: "1.50", source: "gateway demo" },
  { provider: "demo", model: "demo-embed", input: "0.02", output: "0", source: "gateway demo" },
];

/** Inserts the default prices; rerunning it changes nothing. Returns how many rows were new. */
export async function seedPrices(
  prisma: PrismaClient,
  prices: SeedPrice[] = defaultPrices,
  effectiveFrom: Date = defaultPricesEffectiveFrom,
): Promise<number> {
  const result = await prisma.modelPrice.createMany({
    data: prices.map((price) => ({
      provider: price.provider,
      model: price.model,
      inputPerMTokMicros: usd(price.input),
      outputPerMTokMicros: usd(price.output),
      cachedInputPerMTokMicros: price.cachedInput === undefined ? null : usd(price.cachedInput),
      cacheWritePerMTokMicros: price.cacheWrite === undefined ? null : usd(price.cacheWrite),
      effectiveFrom,
      source: price.source,
    })),
    skipDuplicates: true,
  });
  return result.count;
}

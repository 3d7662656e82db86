// What a reply cost at list price, from the stream's usage chunk: an estimate (the ledger has
// the charged amount), in integer micro-dollars.
import { microsFromPerMillion, type TCatalogModel } from "@gw/contracts";
import type { StreamUsage } from "./chat-stream.ts";

export function replyCostMicros(usage: StreamUsage, model: TCatalogModel | undefined): bigint | undefined {
  if (model?.free) return 0n;
  const price = model?.price;
  if (!price) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const uncached = Math.max(usage.prompt_tokens - cached, 0);
  return (
    microsFromPerMillion(uncached, price.input) +
    microsFromPerMillion(cached, price.cachedInput ?? price.input) +
    microsFromPerMillion(usage.completion_tokens, price.output)
  );
}

// Token counting endpoints (`/v1/messages/count_tokens`, `/v1/responses/input_tokens`): the same
// model resolution and key permissions as a request, one request taken from the key's rate limit,
// nothing reserved or charged and no usage record. The first target that can count exactly (its
// upstream's own counter, free at the provider) does; otherwise the gateway's tokenizer counts.
import type { KeyIdentity } from "../auth/key-store.ts";
import type { CallOptions, ProviderAdapter } from "../providers/types.ts";
import { type PipelineContext, routingTableFor } from "./context.ts";
import { resolveRoute } from "./resolve.ts";

export interface CountRequest {
  requestId: string;
  identity: KeyIdentity;
  model: string;
  /** The upstream's count through this adapter, when it has a counter for this dialect. */
  upstream(adapter: ProviderAdapter, model: string, options: CallOptions): Promise<number> | undefined;
  /** The gateway's own count. */
  estimate(): number;
  signal: AbortSignal;
}

export interface Counted {
  inputTokens: number;
  /** Rate-limit headers of the key. */
  headers: Readonly<Record<string, string>>;
}

const COUNT_TIMEOUT_MS = 10_000;

export async function countTokens(ctx: PipelineContext, request: CountRequest): Promise<Counted> {
  const table = await routingTableFor(ctx, request.identity.orgId);
  const route = resolveRoute(table, request.identity, request.model, {
    servedBy: () => true,
    unsupported: (model) => `The model \`${model}\` cannot count tokens.`,
  });
  const headers = await ctx.meter.limit(request.requestId, request.identity);
  const target = route.targets[0]!;
  const options = { signal: request.signal, timeoutMs: COUNT_TIMEOUT_MS };
  const upstream = request.upstream(target.provider.adapter, target.model, options);
  if (upstream !== undefined) {
    try {
      return { inputTokens: await upstream, headers };
    } catch (error) {
      // The count is advisory: the gateway's own stands in when the upstream's fails.
      ctx.log.warn({ err: error, requestId: request.requestId }, "count_tokens: upstream count failed");
    }
  }
  return { inputTokens: request.estimate(), headers };
}

import type { TCompletionRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../http/errors.ts";
import type {
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from "../providers/types.ts";
import { executeRoute } from "../routing/execute.ts";
import { linkedAbort, withIdleTimeout } from "../routing/idle-timeout.ts";
import type { InferenceContext } from "./inference-context.ts";
import { resolveModelFor } from "./model-access.ts";

/** Legacy /v1/completions: only OpenAI-compatible upstreams have it. */
export async function runCompletions(
  ctx: InferenceContext,
  identity: KeyIdentity,
  body: TCompletionRequest,
  signal: AbortSignal,
) {
  const route = resolveModelFor(ctx.routing.table, identity, body.model);
  const targets = route.targets.filter(
    (t) => t.provider.adapter.completions && t.provider.adapter.completionsStream,
  );
  if (targets.length === 0) {
    throw new GatewayError(
      "invalid_request_error",
      `The model \`${body.model}\` does not support /v1/completions; use /v1/chat/completions.`,
      "model",
    );
  }
  const options = { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs };
  if (!body.stream) {
    const served = await executeRoute<Completion>(
      { ...route, targets },
      (target, timeoutMs) =>
        target.provider.adapter.completions!(
          { ...(body as unknown as CompletionCreateParamsNonStreaming), model: target.model, stream: false },
          { signal, timeoutMs },
        ),
      options,
    );
    return { stream: false as const, ...served };
  }
  const served = await executeRoute(
    { ...route, targets },
    async (target, timeoutMs) => {
      const upstream = linkedAbort(signal);
      const stream = await target.provider.adapter.completionsStream!(
        { ...(body as unknown as CompletionCreateParamsStreaming), model: target.model, stream: true },
        { signal: upstream.signal, timeoutMs },
      );
      const rest = withIdleTimeout(
        stream[Symbol.asyncIterator](),
        timeoutMs,
        (e) => upstream.abort(e),
        target.provider.id,
      );
      return { first: await rest.next(), rest };
    },
    options,
  );
  return { stream: true as const, ...served };
}

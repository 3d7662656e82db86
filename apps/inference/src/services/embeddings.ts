import type { TEmbeddingRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../http/errors.ts";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "../providers/types.ts";
import { executeRoute } from "../routing/execute.ts";
import type { InferenceContext } from "./inference-context.ts";
import { resolveModelFor } from "./model-access.ts";

export async function runEmbeddings(
  ctx: InferenceContext,
  identity: KeyIdentity,
  body: TEmbeddingRequest,
  signal: AbortSignal,
) {
  const route = resolveModelFor(ctx.routing.table, identity, body.model);
  const targets = route.targets.filter((t) => t.provider.adapter.embeddings);
  if (targets.length === 0) {
    throw new GatewayError(
      "invalid_request_error",
      `The model \`${body.model}\` does not support embeddings.`,
      "model",
    );
  }
  return executeRoute<CreateEmbeddingResponse>(
    { ...route, targets },
    (target, timeoutMs) =>
      target.provider.adapter.embeddings!(
        { ...(body as unknown as EmbeddingCreateParams), model: target.model },
        { signal, timeoutMs },
      ),
    { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs },
  );
}

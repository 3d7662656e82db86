import type { TEmbeddingRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../errors.ts";
import { admit } from "../metering/meter.ts";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "../providers/types.ts";
import { executeRoute } from "../routing/execute.ts";
import { countInputTokens } from "../tokens/tokenizer.ts";
import { type InferenceContext, routingTableFor } from "./inference-context.ts";
import { resolveMetered } from "./model-access.ts";
import { settleFailure } from "./outcome.ts";

export async function runEmbeddings(
  ctx: InferenceContext,
  request: { requestId: string; identity: KeyIdentity; body: TEmbeddingRequest; signal: AbortSignal },
) {
  const { body, identity, signal } = request;
  const resolved = resolveMetered(await routingTableFor(ctx, identity.orgId), ctx.metering, {
    requestId: request.requestId,
    identity,
    endpoint: "embeddings",
    requestedModel: body.model,
    stream: false,
  });
  const targets = resolved.targets.filter((t) => t.provider.adapter.embeddings);
  if (targets.length === 0) {
    throw new GatewayError(
      "invalid_request_error",
      `The model \`${body.model}\` does not support embeddings.`,
      "model",
    );
  }
  const ticket = ctx.metering
    ? await admit(ctx.metering, {
        requestId: request.requestId,
        identity,
        endpoint: "embeddings",
        requestedModel: body.model,
        stream: false,
        route: { ...resolved, targets },
        promptTokens: countInputTokens(body.input),
        maxOutputTokens: 0,
      })
    : undefined;
  const route = ticket?.route ?? { ...resolved, targets };
  try {
    const served = await executeRoute<CreateEmbeddingResponse>(
      route,
      (target, timeoutMs) =>
        target.provider.adapter.embeddings!(
          { ...(body as unknown as EmbeddingCreateParams), model: target.model },
          { signal, timeoutMs },
        ),
      { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs },
    );
    const tokens = served.result.usage?.prompt_tokens ?? 0;
    ticket?.settle({
      outcome: "success",
      httpStatus: 200,
      target: served.target,
      usage: {
        inputTokens: tokens,
        outputTokens: 0,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
      attempts: served.attempts.length,
    });
    return { ...served, ticket };
  } catch (error) {
    settleFailure(ticket, error, signal, route);
    throw error;
  }
}

import type { TCompletionRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError } from "../errors.ts";
import { admit } from "../metering/meter.ts";
import { usageFromOpenAI } from "../metering/pricing/cost.ts";
import type {
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from "../providers/types.ts";
import { executeRoute } from "../routing/execute.ts";
import { countInputTokens } from "../tokens/tokenizer.ts";
import { type InferenceContext, routingTableFor } from "./inference-context.ts";
import { resolveMetered } from "./model-access.ts";
import { settleFailure } from "./outcome.ts";
import { openStream } from "./stream-attempt.ts";

/** OpenAI's default cap for legacy completions when the client sends none. */
const LEGACY_DEFAULT_MAX_TOKENS = 16;

/** Legacy /v1/completions: only OpenAI-compatible upstreams have it. */
export async function runCompletions(
  ctx: InferenceContext,
  request: { requestId: string; identity: KeyIdentity; body: TCompletionRequest; signal: AbortSignal },
) {
  const { body, identity, signal } = request;
  const resolved = resolveMetered(await routingTableFor(ctx, identity.orgId), ctx.metering, {
    requestId: request.requestId,
    identity,
    endpoint: "completions",
    requestedModel: body.model,
    stream: body.stream === true,
  });
  const targets = resolved.targets.filter(
    (t) => t.provider.adapter.completions && t.provider.adapter.completionsStream,
  );
  if (targets.length === 0) {
    throw new GatewayError(
      "invalid_request_error",
      `The model \`${body.model}\` does not support /v1/completions; use /v1/chat/completions.`,
      "model",
    );
  }
  const maxOutputTokens = (body.max_tokens ?? LEGACY_DEFAULT_MAX_TOKENS) * Math.max(1, body.n ?? 1);
  const ticket = ctx.metering
    ? await admit(ctx.metering, {
        requestId: request.requestId,
        identity,
        endpoint: "completions",
        requestedModel: body.model,
        stream: body.stream === true,
        route: { ...resolved, targets },
        promptTokens: countInputTokens(body.prompt),
        maxOutputTokens,
      })
    : undefined;
  const route = ticket?.route ?? { ...resolved, targets };
  const options = { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs };
  const params = (model: string) => ({
    ...body,
    model,
    max_tokens: body.max_tokens ?? LEGACY_DEFAULT_MAX_TOKENS,
  });
  const started = performance.now();
  try {
    if (!body.stream) {
      const served = await executeRoute<Completion>(
        route,
        (target, timeoutMs) =>
          target.provider.adapter.completions!(
            { ...(params(target.model) as unknown as CompletionCreateParamsNonStreaming), stream: false },
            { signal, timeoutMs },
          ),
        options,
      );
      ticket?.settle({
        outcome: "success",
        httpStatus: 200,
        target: served.target,
        usage: served.result.usage ? usageFromOpenAI(served.result.usage) : undefined,
        attempts: served.attempts.length,
      });
      return { stream: false as const, ...served, ticket };
    }
    const served = await executeRoute(
      route,
      (target, timeoutMs) =>
        openStream(
          (call) =>
            target.provider.adapter.completionsStream!(
              { ...(params(target.model) as unknown as CompletionCreateParamsStreaming), stream: true },
              call,
            ),
          signal,
          timeoutMs,
          target.provider.id,
        ),
      options,
    );
    return { stream: true as const, ...served, ticket, ttftMs: Math.round(performance.now() - started) };
  } catch (error) {
    settleFailure(ticket, error, signal, route);
    throw error;
  }
}

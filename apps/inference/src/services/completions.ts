import type { TCompletionRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { GatewayError, toGatewayError } from "../http/errors.ts";
import { usageFromOpenAI } from "../metering/cost.ts";
import { admit } from "../metering/meter.ts";
import type {
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from "../providers/types.ts";
import { AllTargetsFailedError, executeRoute } from "../routing/execute.ts";
import { linkedAbort, withIdleTimeout } from "../routing/idle-timeout.ts";
import { countTextTokens } from "../tokens/tokenizer.ts";
import type { InferenceContext } from "./inference-context.ts";
import { resolveModelFor } from "./model-access.ts";
import { outcomeOf } from "./outcome.ts";

/** OpenAI's default cap for legacy completions when the client sends none. */
const LEGACY_DEFAULT_MAX_TOKENS = 16;

function promptTokens(prompt: TCompletionRequest["prompt"]): number {
  if (typeof prompt === "string") return countTextTokens(prompt);
  let total = 0;
  for (const item of prompt as unknown[]) {
    total +=
      typeof item === "string"
        ? countTextTokens(item)
        : typeof item === "number"
          ? 1
          : (item as unknown[]).length;
  }
  return total;
}

/** Legacy /v1/completions: only OpenAI-compatible upstreams have it. */
export async function runCompletions(
  ctx: InferenceContext,
  request: { requestId: string; identity: KeyIdentity; body: TCompletionRequest; signal: AbortSignal },
) {
  const { body, identity, signal } = request;
  const resolved = resolveModelFor(ctx.routing.table, identity, body.model);
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
        promptTokens: promptTokens(body.prompt),
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
      async (target, timeoutMs) => {
        const upstream = linkedAbort(signal);
        const stream = await target.provider.adapter.completionsStream!(
          { ...(params(target.model) as unknown as CompletionCreateParamsStreaming), stream: true },
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
    return { stream: true as const, ...served, ticket, ttftMs: Math.round(performance.now() - started) };
  } catch (error) {
    const failure = toGatewayError(error);
    ticket?.settle({
      outcome: outcomeOf(error, signal),
      httpStatus: failure.status,
      errorCode: failure.code,
      attempts: error instanceof AllTargetsFailedError ? error.attempts.length : 0,
    });
    throw error;
  }
}

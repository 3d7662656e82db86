import type { TChatCompletionRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import { admit, type MeterTicket } from "../metering/meter.ts";
import { usageFromOpenAI } from "../metering/pricing/cost.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "../providers/types.ts";
import { type AttemptRecord, executeRoute } from "../routing/execute.ts";
import type { RouteTarget } from "../routing/routing-table.ts";
import { countChatPromptTokens } from "../tokens/tokenizer.ts";
import { type InferenceContext, routingTableFor } from "./inference-context.ts";
import { resolveMetered } from "./model-access.ts";
import { settleFailure } from "./outcome.ts";
import { openStream } from "./stream-attempt.ts";

interface Served {
  target: RouteTarget;
  attempts: AttemptRecord[];
  /** Present when metering is on: settle it when the response has ended. */
  ticket?: MeterTicket | undefined;
}

export type ChatResult =
  | (Served & { stream: false; completion: ChatCompletion })
  | (Served & {
      stream: true;
      /** Already received: falling back stops once a stream has produced its first chunk. */
      first: IteratorResult<ChatCompletionChunk>;
      rest: AsyncIterator<ChatCompletionChunk>;
      ttftMs: number;
    });

export interface ChatRequest {
  requestId: string;
  identity: KeyIdentity;
  body: TChatCompletionRequest;
  signal: AbortSignal;
}

/**
 * Runs a chat completion: admission (limits, reservation), then the model's route, falling back
 * between targets until one has answered (non-stream) or produced its first chunk (stream);
 * nothing reaches the client before. A non-stream request is settled here; a stream's ticket is
 * settled by the caller when the stream ends.
 */
export async function runChat(ctx: InferenceContext, request: ChatRequest): Promise<ChatResult> {
  const { body, identity, signal } = request;
  const route = resolveMetered(await routingTableFor(ctx, identity.orgId), ctx.metering, {
    requestId: request.requestId,
    identity,
    endpoint: "chat.completions",
    requestedModel: body.model,
    stream: body.stream === true,
  });
  const clientCap = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const maxOutputTokens = clientCap ?? ctx.defaultMaxOutputTokens;
  const ticket = ctx.metering
    ? await admit(ctx.metering, {
        requestId: request.requestId,
        identity,
        endpoint: "chat.completions",
        requestedModel: body.model,
        stream: body.stream === true,
        route,
        promptTokens: countChatPromptTokens(body as unknown as ChatCompletionCreateParamsNonStreaming),
        maxOutputTokens,
      })
    : undefined;
  const meteredRoute = ticket?.route ?? route;
  const started = performance.now();
  // With metering on, a request without a cap gets one, so its cost is bounded by its reservation.
  const paramsFor = (target: RouteTarget) => {
    const params: Record<string, unknown> = { ...body, model: target.model };
    if (ticket && clientCap === undefined) {
      params[target.provider.adapter.kind === "openai" ? "max_completion_tokens" : "max_tokens"] =
        maxOutputTokens;
    }
    return params;
  };
  const options = { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs };
  try {
    if (!body.stream) {
      const served = await executeRoute(
        meteredRoute,
        (target, timeoutMs) =>
          target.provider.adapter.chat(
            { ...(paramsFor(target) as unknown as ChatCompletionCreateParamsNonStreaming), stream: false },
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
      return {
        stream: false,
        completion: served.result,
        target: served.target,
        attempts: served.attempts,
        ticket,
      };
    }
    const served = await executeRoute(
      meteredRoute,
      (target, timeoutMs) =>
        openStream(
          (call) =>
            target.provider.adapter.chatStream(
              { ...(paramsFor(target) as unknown as ChatCompletionCreateParamsStreaming), stream: true },
              call,
            ),
          signal,
          timeoutMs,
          target.provider.id,
        ),
      options,
    );
    return {
      stream: true,
      ...served.result,
      ttftMs: Math.round(performance.now() - started),
      target: served.target,
      attempts: served.attempts,
      ticket,
    };
  } catch (error) {
    settleFailure(ticket, error, signal, meteredRoute);
    throw error;
  }
}

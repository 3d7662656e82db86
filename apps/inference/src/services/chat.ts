import type { TChatCompletionRequest } from "@gw/contracts";
import type { KeyIdentity } from "../auth/key-store.ts";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "../providers/types.ts";
import { type AttemptRecord, executeRoute } from "../routing/execute.ts";
import { linkedAbort, withIdleTimeout } from "../routing/idle-timeout.ts";
import type { RouteTarget } from "../routing/routing-table.ts";
import type { InferenceContext } from "./inference-context.ts";
import { resolveModelFor } from "./model-access.ts";

interface Served {
  target: RouteTarget;
  attempts: AttemptRecord[];
}

export type ChatResult =
  | (Served & { stream: false; completion: ChatCompletion })
  | (Served & {
      stream: true;
      /** Already received: falling back stops once a stream has produced its first chunk. */
      first: IteratorResult<ChatCompletionChunk>;
      rest: AsyncIterator<ChatCompletionChunk>;
    });

/**
 * Runs a chat completion over the model's route, falling back between targets until one has
 * answered (non-stream) or produced its first chunk (stream); nothing reaches the client before.
 */
export async function runChat(
  ctx: InferenceContext,
  identity: KeyIdentity,
  body: TChatCompletionRequest,
  signal: AbortSignal,
): Promise<ChatResult> {
  const route = resolveModelFor(ctx.routing.table, identity, body.model);
  const options = { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs };
  if (!body.stream) {
    const served = await executeRoute(
      route,
      (target, timeoutMs) =>
        target.provider.adapter.chat(
          {
            ...(body as unknown as ChatCompletionCreateParamsNonStreaming),
            model: target.model,
            stream: false,
          },
          { signal, timeoutMs },
        ),
      options,
    );
    return { stream: false, completion: served.result, target: served.target, attempts: served.attempts };
  }
  const served = await executeRoute(
    route,
    async (target, timeoutMs) => {
      const upstream = linkedAbort(signal);
      const stream = await target.provider.adapter.chatStream(
        { ...(body as unknown as ChatCompletionCreateParamsStreaming), model: target.model, stream: true },
        { signal: upstream.signal, timeoutMs },
      );
      const rest = withIdleTimeout(
        stream[Symbol.asyncIterator](),
        timeoutMs,
        (e) => upstream.abort(e),
        target.provider.id,
      );
      const first = await rest.next();
      return { first, rest };
    },
    options,
  );
  return { stream: true, ...served.result, target: served.target, attempts: served.attempts };
}

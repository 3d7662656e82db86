// Adapter for OpenAI and every upstream that speaks its wire format (Nebius, DeepInfra, vLLM, ...),
// built on the official `openai` SDK. The gateway does its own retries and fallback: maxRetries 0.
import OpenAI from "openai";
import { sseJsonEvents } from "../sse-json.ts";
import type {
  CallOptions,
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChunkStream,
  Completion,
  CompletionCreateParamsStreaming,
  ProviderAdapter,
  ResponseStreamEvent,
} from "../types.ts";
import { UpstreamError } from "../types.ts";
import { settleUpstreamFailure } from "../upstream-errors.ts";

export interface OpenAICompatibleAdapterOptions {
  /** Registry id, also the provider name in error messages ("openai", "nebius", ...). */
  id: string;
  kind: "openai" | "openai_compatible";
  apiKey: string;
  /** Including the version prefix, e.g. https://api.openai.com/v1 or https://api.deepinfra.com/v1/openai. */
  baseURL: string;
  /** Used when a call does not bring its own timeout; the SDK's default is 10 minutes. */
  defaultTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Sent with every request; `null` removes a header the SDK would send (e.g. `Authorization`
   *  for a host that wants its key in another header). */
  defaultHeaders?: Record<string, string | null>;
}

export function createOpenAICompatibleAdapter(options: OpenAICompatibleAdapterOptions): ProviderAdapter {
  const { id } = options;
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    // Never pick these up from the gateway's environment (OPENAI_ORG_ID, ...): they would be sent
    // to every OpenAI-compatible host.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    // The SDK would log to the console (and at debug level, request bodies); the gateway logs.
    logLevel: "off",
    ...(options.defaultTimeoutMs === undefined ? {} : { timeout: options.defaultTimeoutMs }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.defaultHeaders === undefined ? {} : { defaultHeaders: options.defaultHeaders }),
  });

  const request = (call: CallOptions) => ({ signal: call.signal, timeout: call.timeoutMs });

  async function attempt<T>(call: CallOptions, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw settleUpstreamFailure(id, error, call.signal);
    }
  }

  return {
    id,
    kind: options.kind,

    chat: (params, call) => attempt(call, () => client.chat.completions.create(params, request(call))),

    chatStream: (params, call) =>
      attempt(call, async () => {
        const body: ChatCompletionCreateParamsStreaming = {
          ...params,
          stream: true,
          // Always: the gateway bills on it. The route decides whether the client sees it.
          stream_options: { ...params.stream_options, include_usage: true },
        };
        // Resolves once the upstream answered with a success status and headers. The body is
        // decoded here rather than by the SDK's Stream: cheaper per chunk, and each chunk keeps
        // the upstream's JSON text for the gateway to pass on (sse-json.ts).
        const response = await client.chat.completions.create(body, request(call)).asResponse();
        return decodeStream<ChatCompletionChunk>(response, call);
      }),

    completions: (params, call) => attempt(call, () => client.completions.create(params, request(call))),

    completionsStream: (params, call) =>
      attempt(call, async () => {
        const body: CompletionCreateParamsStreaming = {
          ...params,
          stream: true,
          stream_options: { ...params.stream_options, include_usage: true },
        };
        const stream = await client.completions.create(body, request(call));
        return guardStream<Completion>(id, stream, call.signal);
      }),

    // Without an explicit encoding_format the SDK asks for base64 and decodes it to float arrays.
    embeddings: (params, call) => attempt(call, () => client.embeddings.create(params, request(call))),

    listModels: (call) =>
      attempt(call, async () => {
        const page = await client.models.list(request(call));
        return page.data.map((model) => model.id);
      }),

    // OpenAI's Responses API; other OpenAI-compatible hosts speak Chat Completions only.
    ...(options.kind === "openai"
      ? {
          responses: (params, call) =>
            attempt(call, async () => {
              const response = await client.responses.create(params, request(call));
              // The SDK adds `output_text` (a convenience, not on the wire): readable, but not
              // serialized when the gateway passes the body on.
              Object.defineProperty(response, "output_text", { enumerable: false });
              return response;
            }),

          // The events (`event: <type>` lines, no [DONE]) are decoded like chat chunks; an `error`
          // event throws while iterating.
          responsesStream: (params, call) =>
            attempt(call, async () => {
              const body = { ...params, stream: true as const };
              const response = await client.responses.create(body, request(call)).asResponse();
              return decodeStream<ResponseStreamEvent>(response, call);
            }),
        }
      : {}),
  };

  function decodeStream<T>(response: globalThis.Response, call: CallOptions): ChunkStream<T> {
    if (!response.body) {
      throw new UpstreamError("protocol", `${id} answered the stream without a body`, { provider: id });
    }
    const events = sseJsonEvents<T>(response.body as unknown as AsyncIterable<Uint8Array>, response.headers);
    return guardStream<T>(id, events, call.signal);
  }
}

/**
 * Re-yields parsed chunks, converting failures while iterating. The SDK ends its iterator quietly
 * when the caller's signal aborts; that must not look like a complete stream.
 */
async function* guardStream<T>(
  provider: string,
  stream: AsyncIterable<T>,
  signal: AbortSignal,
): ChunkStream<T> {
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      chunks++;
      yield chunk;
    }
  } catch (error) {
    throw settleUpstreamFailure(provider, error, signal);
  }
  if (signal.aborted) throw settleUpstreamFailure(provider, signal.reason, signal);
  if (chunks === 0) {
    throw new UpstreamError("protocol", `${provider} ended the stream without sending anything`, {
      provider,
    });
  }
}

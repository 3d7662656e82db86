// The one interface every provider adapter implements. Adapters speak the OpenAI wire format
// (the official `openai` SDK's types) on the gateway side, whatever their upstream speaks.

import type {
  Message,
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import type {
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from "openai/resources/completions";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings";
import type {
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseStreamEvent,
} from "openai/resources/responses/responses";

export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
  CreateEmbeddingResponse,
  EmbeddingCreateParams,
  Message,
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseStreamEvent,
};

/** A stream event of Anthropic's Messages API as it is on the wire (the SDK's types lack ping and error). */
export type AnthropicWireEvent =
  | RawMessageStreamEvent
  | { type: "ping" }
  | { type: "error"; error: { type: string; message: string } };

/** Per-call settings of an Anthropic Messages pass-through. */
export interface MessagesCallOptions extends CallOptions {
  /** The client's `anthropic-beta` header, forwarded as it came. */
  beta?: string | undefined;
  /** The client's `anthropic-version`, forwarded (the SDK's own is sent otherwise). */
  version?: string | undefined;
}

/** Per-call settings from the route: a deadline and the caller's cancellation. */
export interface CallOptions {
  /** Aborted when the client disconnects or the gateway gives up; adapters pass it to the SDK. */
  signal: AbortSignal;
  /** Upper bound for this attempt, in ms (time to response headers for streams). */
  timeoutMs: number;
}

/**
 * A started stream. `chatStream` resolves only once the upstream has accepted the request
 * (status and headers received, no error), so the router can still fall back to another target
 * when it rejects; after that, failures surface while iterating.
 */
export type ChunkStream<T> = AsyncIterable<T>;

export interface ProviderAdapter {
  /** Registry id, e.g. "openai", "anthropic", "nebius", "demo". */
  readonly id: string;
  readonly kind: "openai" | "anthropic" | "openai_compatible" | "demo";

  chat(params: ChatCompletionCreateParamsNonStreaming, options: CallOptions): Promise<ChatCompletion>;
  /** Streams always carry a final usage chunk (adapters ask upstreams for it). */
  chatStream(
    params: ChatCompletionCreateParamsStreaming,
    options: CallOptions,
  ): Promise<ChunkStream<ChatCompletionChunk>>;
  /** Legacy completions; only OpenAI-compatible upstreams have them. */
  completions?(params: CompletionCreateParamsNonStreaming, options: CallOptions): Promise<Completion>;
  completionsStream?(
    params: CompletionCreateParamsStreaming,
    options: CallOptions,
  ): Promise<ChunkStream<Completion>>;
  embeddings?(params: EmbeddingCreateParams, options: CallOptions): Promise<CreateEmbeddingResponse>;
  /**
   * OpenAI's Responses API, passed through (kind "openai" only). The body goes upstream as the
   * client sent it but for `model` (and `store: false`: the gateway keeps what it needs itself).
   */
  responses?(params: ResponseCreateParamsNonStreaming, options: CallOptions): Promise<Response>;
  /** Resolves once the upstream accepted the stream; events come as OpenAI sends them. */
  responsesStream?(
    params: ResponseCreateParamsStreaming,
    options: CallOptions,
  ): Promise<ChunkStream<ResponseStreamEvent>>;
  /**
   * Anthropic's Messages API, passed through (kind "anthropic" only): cache_control and thinking
   * blocks intact, `anthropic-beta` forwarded.
   */
  messages?(params: MessageCreateParamsNonStreaming, options: MessagesCallOptions): Promise<Message>;
  /** Resolves once the upstream accepted the stream; events (ping and error included) as sent. */
  messagesStream?(
    params: MessageCreateParamsStreaming,
    options: MessagesCallOptions,
  ): Promise<ChunkStream<AnthropicWireEvent>>;
  /** Anthropic's token counting (free upstream); kind "anthropic" only. */
  countMessageTokens?(params: MessageCountTokensParams, options: MessagesCallOptions): Promise<number>;
  /** The upstream's own model ids, live. */
  listModels?(options: CallOptions): Promise<string[]>;
}

/** Why an upstream attempt failed, in the terms routes use to decide on fallback. */
export type UpstreamFailureKind =
  | "rate_limit" // 429
  | "server" // 5xx (and Anthropic 529 overloaded)
  | "client" // other 4xx: the request itself is wrong for this upstream
  | "auth" // 401/403 from the upstream: the gateway's credentials are wrong
  | "timeout"
  | "connection" // refused, reset, DNS
  | "protocol"; // the upstream answered something that is not its wire format

/**
 * The one error adapters throw. `message` is the gateway's own wording, safe to show a client:
 * upstream bodies are never copied into it raw (they can carry keys or internals).
 */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    readonly details: {
      provider: string;
      /** The upstream's HTTP status, when there was one. */
      status?: number | undefined;
      /** From Retry-After / retry-after-ms, when the upstream sent it. */
      retryAfterMs?: number | undefined;
      /** The upstream's error type or code (e.g. "invalid_request_error"), a short token only. */
      upstreamCode?: string | undefined;
      /** For client errors: the offending parameter, when the upstream named it. */
      param?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
  }
}

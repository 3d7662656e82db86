// Adapter for Anthropic's Messages API on `@anthropic-ai/sdk` 1.x, which sends anthropic-version
// 2026-10-21 and authenticates with `Authorization: Bearer`. The gateway speaks OpenAI's format on
// both sides of this adapter; translation lives in anthropic-request/-response/-stream.ts. The
// gateway does its own retries and fallback: maxRetries 0.
import type { Anthropic } from "@anthropic-ai/sdk";
import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import { providerKinds } from "@gw/contracts";
import type {
  AnthropicWireEvent,
  CallOptions,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChunkStream,
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  MessagesCallOptions,
  ProviderAdapter,
  RawMessageStreamEvent,
} from "../types.ts";
import { UpstreamError } from "../types.ts";
import { settleUpstreamFailure } from "../upstream-errors.ts";
import { AnthropicTranslationError, toAnthropicRequest } from "./anthropic-request.ts";
import { toChatCompletion } from "./anthropic-response.ts";
import { loadAnthropicSdk } from "./anthropic-sdk.ts";
import {
  AnthropicStreamError,
  type AnthropicStreamEvent,
  AnthropicStreamTranslator,
} from "./anthropic-stream.ts";

export interface AnthropicAdapterOptions {
  /** Registry id, also the provider name in error messages. Default "anthropic". */
  id?: string;
  apiKey: string;
  /** Without the /v1 suffix; default https://api.anthropic.com (never ANTHROPIC_BASE_URL). */
  baseURL?: string;
  /** Used when a call brings no usable timeout; default 10 minutes. */
  defaultTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Sent with every request; `null` removes a header the SDK would send. */
  defaultHeaders?: Record<string, string | null>;
}

const DEFAULT_TIMEOUT_MS = 600_000;

export function createAnthropicAdapter(options: AnthropicAdapterOptions): ProviderAdapter {
  const id = options.id ?? "anthropic";
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  // The SDK is loaded when the first adapter is created, in the background; calls wait for it.
  let client: Anthropic | undefined;
  let sdkApiError: typeof import("@anthropic-ai/sdk").APIError | undefined;
  const ready = loadAnthropicSdk().then((sdk) => {
    sdkApiError = sdk.APIError;
    client = new sdk.Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? providerKinds.anthropic.defaultBaseUrl,
      maxRetries: 0,
      timeout: defaultTimeoutMs,
      webhookKey: null,
      // The SDK would log to the console (at debug level, bodies); the gateway logs.
      logLevel: "off",
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.defaultHeaders === undefined ? {} : { defaultHeaders: options.defaultHeaders }),
    });
    return client;
  });
  ready.catch(() => {});
  const sdkClient = (): Anthropic | Promise<Anthropic> => client ?? ready;

  const timeoutOf = (call: CallOptions) => (call.timeoutMs > 0 ? call.timeoutMs : defaultTimeoutMs);

  /** UpstreamError or the caller's abort; the API key is never part of a message. */
  const failure = (error: unknown, signal: AbortSignal): unknown => {
    if (error instanceof AnthropicTranslationError) {
      return new UpstreamError("client", error.message, { provider: id, param: error.param, cause: error });
    }
    if (error instanceof AnthropicStreamError) {
      // Same wording and kind as the SDK's own in-stream errors.
      // The SDK is loaded: a stream error comes from a call, which waited for it.
      error = new sdkApiError!(
        undefined,
        { type: "error", error: { type: error.errorType } },
        undefined,
        undefined,
      );
    }
    return redactKey(settleUpstreamFailure(id, error, signal), options.apiKey);
  };

  /**
   * One call under a deadline that covers reading the whole body too (the SDK's timeout covers
   * only the wait for headers); failures become UpstreamErrors.
   */
  async function withDeadline<T>(call: CallOptions, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = startDeadline(call.signal, timeoutOf(call));
    try {
      return await run(deadline.signal);
    } catch (error) {
      if (deadline.timedOut && !call.signal.aborted) {
        throw new UpstreamError("timeout", `${id} did not answer in time`, { provider: id, cause: error });
      }
      throw failure(error, call.signal);
    } finally {
      deadline.clear();
    }
  }

  /** Anything but a Message is the upstream breaking its wire format. */
  function checkedMessage(message: Message): Message {
    if (message?.type !== "message" || !Array.isArray(message.content)) {
      throw new UpstreamError("protocol", `${id} answered with something that is not a message`, {
        provider: id,
      });
    }
    return message;
  }

  function chat(params: ChatCompletionCreateParamsNonStreaming, call: CallOptions) {
    return withDeadline(call, async (signal) => {
      const { body } = toAnthropicRequest(params);
      const message = await (await sdkClient()).messages.create(
        { ...body, stream: false },
        { signal, timeout: timeoutOf(call) },
      );
      return toChatCompletion(checkedMessage(message), params.model);
    });
  }

  async function chatStream(
    params: ChatCompletionCreateParamsStreaming,
    call: CallOptions,
  ): Promise<ChunkStream<ChatCompletionChunk>> {
    try {
      const { body } = toAnthropicRequest(params);
      // Resolves once Anthropic answered with a success status and headers; the timeout covers
      // exactly that wait.
      const stream = await (await sdkClient()).messages.create(
        { ...body, stream: true },
        { signal: call.signal, timeout: timeoutOf(call) },
      );
      return translateStream(stream, new AnthropicStreamTranslator(params.model), call.signal);
    } catch (error) {
      throw failure(error, call.signal);
    }
  }

  /**
   * Re-yields translated chunks, converting failures while iterating. The SDK ends its iterator
   * quietly when the signal aborts, and a connection closed between events ends it too: neither
   * may look like a complete stream, which always ends with message_stop.
   */
  async function* translateStream(
    stream: AsyncIterable<unknown>,
    translator: AnthropicStreamTranslator,
    signal: AbortSignal,
  ): ChunkStream<ChatCompletionChunk> {
    try {
      for await (const event of stream) {
        yield* translator.push(event as AnthropicStreamEvent);
      }
    } catch (error) {
      throw failure(error, signal);
    }
    if (signal.aborted) throw failure(signal.reason, signal);
    if (!translator.finished) {
      throw new UpstreamError("connection", `${id} ended the stream before message_stop`, { provider: id });
    }
  }

  /** The request options of a pass-through call: the client's version and beta headers. */
  const passOptions = (call: MessagesCallOptions, signal: AbortSignal) => {
    const headers: Record<string, string> = {};
    if (call.version !== undefined) headers["anthropic-version"] = call.version;
    if (call.beta !== undefined) headers["anthropic-beta"] = call.beta;
    return { signal, timeout: timeoutOf(call), headers };
  };

  function messages(params: MessageCreateParamsNonStreaming, call: MessagesCallOptions) {
    return withDeadline(call, async (signal) =>
      checkedMessage(
        await (await sdkClient()).messages.create({ ...params, stream: false }, passOptions(call, signal)),
      ),
    );
  }

  async function messagesStream(
    params: MessageCreateParamsStreaming,
    call: MessagesCallOptions,
  ): Promise<ChunkStream<AnthropicWireEvent>> {
    try {
      const stream = await (await sdkClient()).messages.create(
        { ...params, stream: true },
        passOptions(call, call.signal),
      );
      return passStream(stream, call.signal);
    } catch (error) {
      throw failure(error, call.signal);
    }
  }

  /** The events as Anthropic sent them (the SDK drops pings); an end before message_stop is a failure. */
  async function* passStream(
    stream: AsyncIterable<RawMessageStreamEvent>,
    signal: AbortSignal,
  ): ChunkStream<AnthropicWireEvent> {
    let stopped = false;
    try {
      for await (const event of stream) {
        if (event.type === "message_stop") stopped = true;
        yield event;
      }
    } catch (error) {
      throw failure(error, signal);
    }
    if (signal.aborted) throw failure(signal.reason, signal);
    if (!stopped) {
      throw new UpstreamError("connection", `${id} ended the stream before message_stop`, { provider: id });
    }
  }

  function countMessageTokens(params: MessageCountTokensParams, call: MessagesCallOptions) {
    return withDeadline(call, async (signal) => {
      const counted = await (await sdkClient()).messages.countTokens(params, passOptions(call, signal));
      return counted.input_tokens;
    });
  }

  function listModels(call: CallOptions): Promise<string[]> {
    return withDeadline(call, async (signal) => {
      const ids: string[] = [];
      const pages = (await sdkClient()).models.list({ limit: 1000 }, { signal, timeout: timeoutOf(call) });
      for await (const model of pages) ids.push(model.id);
      return ids;
    });
  }

  return {
    id,
    kind: "anthropic",
    chat,
    chatStream,
    messages,
    messagesStream,
    countMessageTokens,
    listModels,
  };
}

interface Deadline {
  signal: AbortSignal;
  readonly timedOut: boolean;
  clear(): void;
}

/** A signal that aborts with the caller's, or when `ms` have passed (then `timedOut` is true). */
function startDeadline(caller: AbortSignal, ms: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(caller.reason);
  if (caller.aborted) onAbort();
  else caller.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      clearTimeout(timer);
      caller.removeEventListener("abort", onAbort);
    },
  };
}

/** Belt and braces over the shared sanitizer: this adapter's key never reaches a message. */
function redactKey(error: unknown, apiKey: string): unknown {
  if (!(error instanceof UpstreamError) || apiKey.length < 4 || !error.message.includes(apiKey)) return error;
  return new UpstreamError(error.kind, error.message.split(apiKey).join("[redacted]"), error.details);
}

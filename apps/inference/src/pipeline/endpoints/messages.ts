// POST /v1/messages (Anthropic's Messages API) as an endpoint of the pipeline. An Anthropic target
// gets the request as it came (cache_control and thinking blocks intact, the client's
// anthropic-beta and anthropic-version forwarded) through the official SDK; every other target
// gets it translated to Chat Completions, and its answer translated back
// (dialects/anthropic-messages). Either way the client sees Anthropic's wire format: a Message, or
// named events ending with message_stop, and an `error` event when a stream fails.
import type { IncomingHttpHeaders } from "node:http";
import { type TMessagesRequest, ZMessagesRequest } from "@gw/contracts";
import { withAnthropicRateLimitHeaders } from "../../dialects/anthropic-messages/anthropic-rate-limit-headers.ts";
import { chatToMessage } from "../../dialects/anthropic-messages/chat-to-message.ts";
import { ChatToMessageEvents } from "../../dialects/anthropic-messages/chat-to-message-events.ts";
import { messagesToChat } from "../../dialects/anthropic-messages/messages-to-chat.ts";
import { anthropicErrorBody } from "../../dialects/error-reply.ts";
import {
  type AnthropicUsageFields,
  mergeAnthropicUsage,
  usageFromAnthropic,
} from "../../dialects/usage-fields.ts";
import type { GatewayError } from "../../errors.ts";
import type { TokenUsage } from "../../metering/pricing/cost.ts";
import type {
  AnthropicWireEvent,
  CallOptions,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChunkStream,
  Message,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  MessagesCallOptions,
} from "../../providers/types.ts";
import { UpstreamError } from "../../providers/types.ts";
import type { RouteTarget } from "../../routing/routing-table.ts";
import { countMessagesPromptTokens, countTextTokens } from "../../tokens/tokenizer.ts";
import { type EndpointSpec, isEstimated, markEstimated, parseWith, type StreamRelay } from "../endpoint.ts";
import { outputText } from "./chat.ts";

/** A Messages request: the body, and the headers that go with it to Anthropic. */
export interface MessagesCall {
  body: TMessagesRequest;
  /** `anthropic-beta`, as the client sent it. */
  beta: string | undefined;
  /** `anthropic-version`, as the client sent it. */
  version: string | undefined;
  /** The prompt's tokens, once counted. */
  promptTokens?: number;
}

/** Counted once per request (admission and a translated stream's message_start both need it). */
const promptTokensOf = (call: MessagesCall): number =>
  (call.promptTokens ??= countMessagesPromptTokens(call.body));

const parseBody = parseWith(ZMessagesRequest);

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
};

/** The headers that go with a Messages request to Anthropic. */
export function anthropicHeaders(headers: IncomingHttpHeaders): {
  beta: string | undefined;
  version: string | undefined;
} {
  return { beta: header(headers, "anthropic-beta"), version: header(headers, "anthropic-version") };
}

const passOptions = (call: MessagesCall, options: CallOptions): MessagesCallOptions => ({
  ...options,
  beta: call.beta,
  version: call.version,
});

const isAnthropic = (target: RouteTarget) => target.provider.adapter.kind === "anthropic";

/** The Chat Completions request for a target that is not Anthropic's. */
function chatParams(call: MessagesCall, target: RouteTarget): ChatCompletionCreateParamsNonStreaming {
  const params = messagesToChat(call.body, target.model);
  if (target.provider.adapter.kind === "openai" && params.max_tokens != null) {
    // OpenAI's current name for the cap (its reasoning models refuse max_tokens).
    params.max_completion_tokens = params.max_tokens;
    delete params.max_tokens;
  }
  return params;
}

/** A translated stream: chat chunks in, Anthropic's events out, ending as Anthropic's streams end. */
async function* messageEvents(
  chunks: ChunkStream<ChatCompletionChunk>,
  translator: ChatToMessageEvents,
  provider: string,
): ChunkStream<AnthropicWireEvent> {
  const pieces: string[] = [];
  for await (const chunk of chunks) {
    for (const choice of chunk.choices) outputText(pieces, choice.delta);
    yield* translator.push(chunk);
  }
  if (!translator.finished) {
    throw new UpstreamError("connection", `${provider} ended the stream before it finished`, { provider });
  }
  const reported = translator.reportedUsage !== undefined;
  for (const event of translator.end(() => countTextTokens(pieces.join("")))) {
    if (event.type === "message_delta" && !reported) markEstimated(event);
    yield event;
  }
}

/** Text of a Message's blocks, as the gateway counts output. */
function messageText(message: Message): string {
  let text = "";
  for (const block of message.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "thinking") text += block.thinking;
    else if (block.type === "tool_use") text += block.name + JSON.stringify(block.input);
  }
  return text;
}

/**
 * Named events as Anthropic sends them. The charge takes message_start's usage with
 * message_delta's (cumulative) over it; a stream cut before message_delta is estimated.
 */
class MessagesRelay implements StreamRelay<AnthropicWireEvent> {
  private readonly fields: AnthropicUsageFields = {};
  private reported = false;
  private readonly pieces: string[] = [];

  get usage(): TokenUsage | undefined {
    return this.reported ? usageFromAnthropic(this.fields) : undefined;
  }

  frame(event: AnthropicWireEvent): string {
    switch (event.type) {
      case "message_start":
        mergeAnthropicUsage(this.fields, event.message.usage);
        break;
      case "message_delta":
        if (!isEstimated(event)) {
          mergeAnthropicUsage(this.fields, event.usage);
          this.reported = true;
        }
        break;
      case "content_block_start":
        if (event.content_block.type === "tool_use") this.pieces.push(event.content_block.name);
        break;
      case "content_block_delta": {
        const { delta } = event;
        if (delta.type === "text_delta") this.pieces.push(delta.text);
        else if (delta.type === "input_json_delta") this.pieces.push(delta.partial_json);
        else if (delta.type === "thinking_delta") this.pieces.push(delta.thinking);
        break;
      }
    }
    return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  }

  outputTokens(): number {
    return countTextTokens(this.pieces.join(""));
  }

  /** A complete stream ended with message_stop; a failed one ends with Anthropic's error event. */
  end(error: GatewayError | undefined): string {
    if (error === undefined) return "";
    return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`;
  }
}

export const messagesEndpoint: EndpointSpec<MessagesCall, Message, AnthropicWireEvent> = {
  name: "messages",
  parse: (body, headers) => ({ body: parseBody(body), ...anthropicHeaders(headers) }),
  // Anthropic upstreams take it as it is; every other adapter serves it through chat.
  servedBy: () => true,
  unsupported: (model) => `The model \`${model}\` does not support messages.`,
  limitHeaders: withAnthropicRateLimitHeaders,
  model: (call) => call.body.model,
  stream: (call) => call.body.stream === true,
  promptTokens: promptTokensOf,
  // max_tokens is required: every request is capped by the client.
  outputBudget: (call) => ({ maxOutputTokens: call.body.max_tokens }),
  async call(target, call, _cap, options) {
    if (isAnthropic(target)) {
      const params = { ...call.body, model: target.model, stream: false } as MessageCreateParamsNonStreaming;
      return target.provider.adapter.messages!(params, passOptions(call, options));
    }
    const completion = await target.provider.adapter.chat(chatParams(call, target), options);
    return chatToMessage(completion, call.body.model);
  },
  async open(target, call, _cap, options) {
    const { adapter } = target.provider;
    if (isAnthropic(target)) {
      const params = { ...call.body, model: target.model, stream: true } as MessageCreateParamsStreaming;
      return adapter.messagesStream!(params, passOptions(call, options));
    }
    const params = { ...chatParams(call, target), stream: true } as ChatCompletionCreateParamsStreaming;
    const chunks = await adapter.chatStream(params, options);
    const translator = new ChatToMessageEvents(call.body.model, promptTokensOf(call));
    return messageEvents(chunks, translator, adapter.id);
  },
  usage: (message) => (message.usage ? usageFromAnthropic(message.usage) : undefined),
  outputTokens: (message) => countTextTokens(messageText(message)),
  relay: () => new MessagesRelay(),
};

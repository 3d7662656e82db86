// The streamed side of POST /v1/responses: a Chat Completions stream translated into the Responses
// API's events (for targets that only speak chat), and the relay that frames events for the client,
// tallies usage and output, stores the conversation before its closing event, and ends a failed
// stream with OpenAI's `error` event.

import type { WireResponse } from "../../dialects/openai-responses/chat-to-response.ts";
import type {
  ChatToResponseEvents,
  ResponsesWireEvent,
} from "../../dialects/openai-responses/chat-to-response-events.ts";
import { usageFromResponses } from "../../dialects/usage-fields.ts";
import type { GatewayError } from "../../errors.ts";
import { NO_USAGE, type TokenUsage } from "../../metering/pricing/cost.ts";
import { rawJsonOf } from "../../providers/sse-json.ts";
import type { ChatCompletionChunk, ChunkStream } from "../../providers/types.ts";
import { UpstreamError } from "../../providers/types.ts";
import { countTextTokens } from "../../tokens/tokenizer.ts";
import { isEstimated, markEstimated, type StreamRelay } from "../endpoint.ts";
import { outputText } from "./chat.ts";

/** Stores a finished conversation (previous_response_id / item_reference resolve against it). */
export type KeepConversation = (response: WireResponse) => Promise<void>;

/** A translated stream: chat chunks in, the Responses API's events out. */
export async function* responseEvents(
  chunks: ChunkStream<ChatCompletionChunk>,
  translator: ChatToResponseEvents,
  promptTokens: number,
  provider: string,
): ChunkStream<ResponsesWireEvent> {
  const pieces: string[] = [];
  let finished = false;
  for await (const chunk of chunks) {
    for (const choice of chunk.choices) {
      outputText(pieces, choice.delta);
      if (choice.finish_reason) finished = true;
    }
    yield* translator.push(chunk);
  }
  if (!finished) {
    throw new UpstreamError("connection", `${provider} ended the stream before it finished`, { provider });
  }
  const reported = translator.usage !== undefined;
  const estimate: TokenUsage = {
    ...NO_USAGE,
    inputTokens: promptTokens,
    outputTokens: countTextTokens(pieces.join("")),
  };
  for (const event of translator.end(reported ? undefined : estimate)) {
    if (!reported && "response" in event) markEstimated(event);
    yield event;
  }
}

/** The closing events that carry the final Response (and its usage). */
const CLOSING = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** Events as OpenAI sends them (`event:` and `data:` lines, no [DONE]); a failure ends with OpenAI's `error` event. */
export class ResponsesRelay implements StreamRelay<ResponsesWireEvent> {
  usage: TokenUsage | undefined;
  private readonly pieces: string[] = [];
  private sequence = -1;

  constructor(
    private readonly keep: KeepConversation | undefined,
    /** The id the client continued from: the upstream saw the expanded conversation instead. */
    private readonly previousId: string | undefined,
  ) {}

  /** The conversation is stored before the closing event goes out: the client's next request finds it. */
  hold(event: ResponsesWireEvent): Promise<void> | undefined {
    if (this.keep === undefined || !CLOSING.has(event.type) || !("response" in event)) return undefined;
    return this.keep(event.response);
  }

  frame(event: ResponsesWireEvent): string {
    this.sequence = event.sequence_number;
    switch (event.type) {
      case "response.output_text.delta":
      case "response.refusal.delta":
      case "response.function_call_arguments.delta":
        this.pieces.push(event.delta);
        break;
      case "response.output_item.added":
        if (event.item.type === "function_call") this.pieces.push(event.item.name);
        break;
      default:
        if (CLOSING.has(event.type) && "response" in event && !isEstimated(event) && event.response.usage) {
          this.usage = usageFromResponses(event.response.usage);
        }
    }
    if (
      this.previousId !== undefined &&
      "response" in event &&
      event.response.previous_response_id !== this.previousId
    ) {
      event.response.previous_response_id = this.previousId;
      return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    }
    return `event: ${event.type}\ndata: ${rawJsonOf(event) ?? JSON.stringify(event)}\n\n`;
  }

  outputTokens(): number {
    return countTextTokens(this.pieces.join(""));
  }

  end(error: GatewayError | undefined): string {
    if (error === undefined) return "";
    const { message, type, code, param } = error.envelope().error;
    const event = {
      type: "error",
      sequence_number: this.sequence + 1,
      error: { type, code, message, param },
    };
    return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }
}

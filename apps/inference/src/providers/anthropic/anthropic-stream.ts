// Anthropic stream events -> OpenAI chat.completion.chunk objects. Stateful, one instance per stream,
// otherwise pure: feed every event to `push` and forward what it returns.
import type { MessageStreamEvent } from "@anthropic-ai/sdk/resources/messages/messages";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import {
  type AnthropicUsageFields,
  mergeAnthropicUsage,
  usageFromAnthropic,
  usageToChat,
} from "../../dialects/usage-fields.ts";
import { type FinishReason, toCompletionId, toFinishReason } from "./anthropic-response.ts";

/** Events on the wire besides the SDK's typed ones (the SDK drops pings and throws on errors). */
export type AnthropicStreamEvent =
  | MessageStreamEvent
  | { type: "ping" }
  | { type: "error"; error: { type: string; message?: string } };

/** An `error` event inside the stream; `errorType` is Anthropic's, e.g. "overloaded_error". */
export class AnthropicStreamError extends Error {
  override name = "AnthropicStreamError";
  constructor(readonly errorType: string) {
    super(`Anthropic stream error: ${errorType}`);
  }
}

type ChunkDelta = ChatCompletionChunk.Choice.Delta;

interface ToolBlock {
  /** Position among the tool calls of this message (OpenAI's tool_calls[].index). */
  toolIndex: number;
  arguments: string;
  /** Input given whole in content_block_start, used if no input_json_delta follows. */
  initialInput: unknown;
}

/**
 * Emits: a first chunk with role "assistant"; text deltas as `content`; per tool_use block a
 * tool_calls delta with index (among tool calls, not the block index), id, type, name and empty
 * arguments, then its input_json_delta fragments; at message_stop a chunk with the finish_reason and
 * a last chunk with `choices: []` and usage totalled from message_start and message_delta.
 */
export class AnthropicStreamTranslator {
  private id: string;
  private created: number;
  private readonly tools = new Map<number, ToolBlock>();
  private toolCount = 0;
  private started = false;
  private stopReason: string | null = null;
  private readonly usage: AnthropicUsageFields = {};
  private done = false;

  constructor(
    private readonly model: string,
    private readonly now: () => number = Date.now,
  ) {
    this.id = "chatcmpl-pending";
    this.created = Math.floor(now() / 1000);
  }

  /** True once message_stop arrived: a stream that ends before that was cut off. */
  get finished(): boolean {
    return this.done;
  }

  push(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    switch (event.type) {
      case "message_start": {
        this.id = toCompletionId(event.message.id);
        this.created = Math.floor(this.now() / 1000);
        mergeAnthropicUsage(this.usage, event.message.usage);
        return this.start();
      }
      case "content_block_start": {
        const out = this.start();
        const block = event.content_block;
        if (block.type === "text" && block.text) out.push(this.chunk({ content: block.text }));
        if (block.type === "tool_use") {
          const toolIndex = this.toolCount++;
          this.tools.set(event.index, { toolIndex, arguments: "", initialInput: block.input });
          out.push(
            this.chunk({
              tool_calls: [
                {
                  index: toolIndex,
                  id: block.id,
                  type: "function",
                  function: { name: block.name, arguments: "" },
                },
              ],
            }),
          );
        }
        return out;
      }
      case "content_block_delta": {
        const delta = event.delta;
        if (delta.type === "text_delta")
          return delta.text ? [...this.start(), this.chunk({ content: delta.text })] : [];
        if (delta.type === "input_json_delta") {
          const tool = this.tools.get(event.index);
          if (!tool || !delta.partial_json) return [];
          tool.arguments += delta.partial_json;
          return [this.argumentsChunk(tool.toolIndex, delta.partial_json)];
        }
        return []; // thinking, signature and citation deltas are not surfaced
      }
      case "content_block_stop": {
        const tool = this.tools.get(event.index);
        if (tool?.arguments !== "") return []; // not a tool block, or its input already streamed
        // No input_json_delta came: send the input given at block start, or "{}" so clients that
        // JSON.parse the accumulated arguments get an object.
        const input = tool.initialInput;
        const hasInput = typeof input === "object" && input !== null && Object.keys(input).length > 0;
        tool.arguments = hasInput ? JSON.stringify(input) : "{}";
        return [this.argumentsChunk(tool.toolIndex, tool.arguments)];
      }
      case "message_delta": {
        if (event.delta.stop_reason) this.stopReason = event.delta.stop_reason;
        mergeAnthropicUsage(this.usage, event.usage);
        return [];
      }
      case "message_stop": {
        if (this.done) return [];
        this.done = true;
        const finish: FinishReason = toFinishReason(this.stopReason);
        return [
          ...this.start(),
          this.chunk({}, finish),
          { ...this.base(), choices: [], usage: usageToChat(usageFromAnthropic(this.usage)) },
        ];
      }
      case "error":
        throw new AnthropicStreamError(event.error.type);
      default:
        return []; // ping, and event types newer than this code
    }
  }

  private start(): ChatCompletionChunk[] {
    if (this.started) return [];
    this.started = true;
    return [this.chunk({ role: "assistant", content: "" })];
  }

  private base(): Omit<ChatCompletionChunk, "choices"> {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model };
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
    return { ...this.base(), choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] };
  }

  private argumentsChunk(index: number, fragment: string): ChatCompletionChunk {
    return this.chunk({ tool_calls: [{ index, function: { arguments: fragment } }] });
  }
}

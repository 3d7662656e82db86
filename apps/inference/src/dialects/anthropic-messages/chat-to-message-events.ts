// OpenAI chat.completion.chunk stream -> Anthropic Messages stream events, for a streamed
// `POST /v1/messages` that a non-Anthropic model serves. Stateful, one instance per stream,
// otherwise pure: feed every upstream chunk to `push`, call `end` when the upstream is done, and
// send what they return, in order, as SSE (`event: <type>`, `data: <json>`).
//
// The events follow Anthropic's order: message_start (empty content, usage with the gateway's
// prompt estimate), ping, then content blocks one at a time (content_block_start, deltas,
// content_block_stop; a block is stopped before the next starts, `index` counting up), then
// message_delta (stop_reason, stop_sequence, cumulative usage) and message_stop.
//
// Blocks: text streams as text_delta while it is the open block. The first tool call streams live
// as input_json_delta pieces, as Anthropic streams tool input. OpenAI-compatible hosts may
// interleave the argument pieces of parallel tool calls, and Anthropic blocks cannot interleave,
// so every later tool call is held until the choice finishes and then sent as a whole block (one
// input_json_delta with its arguments when they are a JSON object; none, so `input` stays `{}`,
// otherwise: as chatToMessage decides). Text that arrives after a tool call started is sent as a
// last text block. The live tool call's arguments reach the client as the model wrote them (as a
// cut-off Anthropic tool input would, which the SDK parses leniently).
import type { MessageDeltaUsage, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages/messages";
import type { AnthropicWireEvent, ChatCompletionChunk } from "../../providers/types.ts";
import type { ChatUsageFields } from "../usage-fields.ts";
import { anthropicStop, reportedStopSequence } from "./anthropic-stop-reason.ts";
import { toDeltaUsage, toMessageId, toMessageUsage, toToolInput, toToolUseId } from "./chat-to-message.ts";

type ToolCallDelta = NonNullable<ChatCompletionChunk.Choice.Delta["tool_calls"]>[number];

interface ToolCall {
  /** OpenAI's tool_calls[].index. */
  key: number;
  id?: string;
  name?: string;
  arguments: string;
  /** pending: not sent yet; live: the open block; sent: started and stopped. */
  state: "pending" | "live" | "sent";
}

type OpenBlock = { kind: "text"; index: number } | { kind: "tool"; index: number; tool: ToolCall };

/** What `end` uses for output_tokens when the upstream never sent usage: a count, or how to get one. */
export type OutputTokensFallback = number | (() => number);

export class ChatToMessageEvents {
  private id: string | undefined;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  private readonly tools = new Map<number, ToolCall>();
  private toolStarted = false;
  private lateText = "";
  private finishReason: string | null = null;
  private stopSequence: string | null = null;
  private refused = false;
  private upstreamUsage: ChatUsageFields | undefined;
  private flushed = false;
  private ended = false;

  /**
   * @param model the model the client asked for, echoed in message_start.
   * @param promptTokens the gateway's estimate of the prompt, message_start's `input_tokens`
   *   (Anthropic knows its count up front; here the upstream's comes with the last chunk).
   */
  constructor(
    private readonly model: string,
    private readonly promptTokens: number,
  ) {}

  /** True once the upstream finished choice 0 (a stream that ends before that was cut off). */
  get finished(): boolean {
    return this.finishReason !== null;
  }

  /** The upstream's usage (its last usage chunk), undefined until one came: `end` estimates without it. */
  get reportedUsage(): ChatUsageFields | undefined {
    return this.upstreamUsage;
  }

  push(chunk: ChatCompletionChunk): AnthropicWireEvent[] {
    if (this.ended) return [];
    const out = this.start(chunk.id);
    if (chunk.usage) this.upstreamUsage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue; // a Message has one answer
      const delta = choice.delta ?? {};
      if (delta.content) this.text(delta.content, out);
      if (delta.refusal) {
        this.refused = true;
        this.text(delta.refusal, out);
      }
      for (const call of delta.tool_calls ?? []) this.toolCall(call, out);
      if (choice.finish_reason) {
        this.finishReason = choice.finish_reason;
        this.stopSequence = reportedStopSequence(choice);
        this.flush(out);
      }
    }
    return out;
  }

  /**
   * The closing events, once the upstream stream is over: blocks still open, message_delta and
   * message_stop. Usage is the upstream's last usage chunk; without one, input_tokens is the prompt
   * estimate and output_tokens comes from `outputTokens` (called only then), e.g. the gateway's
   * count of the streamed text.
   */
  end(outputTokens: OutputTokensFallback = 0): AnthropicWireEvent[] {
    if (this.ended) return [];
    const out = this.start(undefined);
    this.flush(out);
    this.ended = true;
    const stop = anthropicStop(this.finishReason, { refused: this.refused, stopSequence: this.stopSequence });
    out.push({
      type: "message_delta",
      delta: { ...stop, stop_details: null, container: null },
      usage: this.upstreamUsage ? toDeltaUsage(this.upstreamUsage) : this.estimatedUsage(outputTokens),
    });
    out.push({ type: "message_stop" });
    return out;
  }

  private estimatedUsage(outputTokens: OutputTokensFallback): MessageDeltaUsage {
    return {
      input_tokens: this.promptTokens,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      output_tokens: typeof outputTokens === "function" ? outputTokens() : outputTokens,
      output_tokens_details: null,
      server_tool_use: null,
    };
  }

  /** message_start and a ping, the first time only. */
  private start(chunkId: string | undefined): AnthropicWireEvent[] {
    if (this.id !== undefined) return [];
    this.id = toMessageId(chunkId);
    const usage: MessageDeltaUsage = {
      input_tokens: this.promptTokens,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      output_tokens: 1, // as Anthropic's message_start reports before the first token
      output_tokens_details: null,
      server_tool_use: null,
    };
    return [
      {
        type: "message_start",
        message: {
          id: this.id,
          type: "message",
          role: "assistant",
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          stop_details: null,
          container: null,
          diagnostics: null,
          usage: toMessageUsage(usage),
        },
      },
      { type: "ping" },
    ];
  }

  private text(text: string, out: AnthropicWireEvent[]): void {
    if (this.open?.kind === "text") {
      out.push(this.textDelta(this.open.index, text));
    } else if (!this.toolStarted && !this.flushed) {
      const index = this.startBlock(out, { type: "text", text: "", citations: null });
      this.open = { kind: "text", index };
      out.push(this.textDelta(index, text));
    } else {
      this.lateText += text;
    }
  }

  private toolCall(delta: ToolCallDelta, out: AnthropicWireEvent[]): void {
    let tool = this.tools.get(delta.index);
    if (!tool) {
      tool = { key: delta.index, arguments: "", state: "pending" };
      this.tools.set(delta.index, tool);
    }
    // Some hosts repeat id and name on every fragment; the first is kept.
    if (delta.id) tool.id ??= delta.id;
    if (delta.function?.name) tool.name ??= delta.function.name;
    const piece = delta.function?.arguments ?? "";
    if (tool.state === "sent") return; // after the choice finished: nothing can be added
    tool.arguments += piece;
    if (tool.state === "live") {
      if (piece && this.open?.kind === "tool") out.push(this.jsonDelta(this.open.index, piece));
      return;
    }
    if (this.toolStarted || this.flushed || !tool.name) return; // held until the choice finishes
    this.closeBlock(out);
    const index = this.startToolBlock(out, tool);
    tool.state = "live";
    this.open = { kind: "tool", index, tool };
    if (tool.arguments) out.push(this.jsonDelta(index, tool.arguments));
  }

  /** At the choice's end: close the open block, send held tool calls (once), then late text. */
  private flush(out: AnthropicWireEvent[]): void {
    this.closeBlock(out);
    if (!this.flushed) {
      this.flushed = true;
      for (const tool of [...this.tools.values()].sort((a, b) => a.key - b.key)) {
        if (tool.state !== "pending" || !tool.name) continue; // a call without a name cannot be used
        const index = this.startToolBlock(out, tool);
        if (Object.keys(toToolInput(tool.arguments)).length > 0)
          out.push(this.jsonDelta(index, tool.arguments));
        out.push({ type: "content_block_stop", index });
        tool.state = "sent";
      }
    }
    if (this.lateText) {
      const index = this.startBlock(out, { type: "text", text: "", citations: null });
      out.push(this.textDelta(index, this.lateText));
      out.push({ type: "content_block_stop", index });
      this.lateText = "";
    }
  }

  private startToolBlock(out: AnthropicWireEvent[], tool: ToolCall): number {
    this.toolStarted = true;
    return this.startBlock(out, {
      type: "tool_use",
      id: toToolUseId(tool.id, this.id ?? "", tool.key),
      name: tool.name ?? "",
      input: {},
      caller: { type: "direct" },
    });
  }

  private startBlock(
    out: AnthropicWireEvent[],
    block: Extract<RawMessageStreamEvent, { type: "content_block_start" }>["content_block"],
  ): number {
    const index = this.nextIndex++;
    out.push({ type: "content_block_start", index, content_block: block });
    return index;
  }

  private closeBlock(out: AnthropicWireEvent[]): void {
    if (!this.open) return;
    out.push({ type: "content_block_stop", index: this.open.index });
    if (this.open.kind === "tool") this.open.tool.state = "sent";
    this.open = undefined;
  }

  private textDelta(index: number, text: string): AnthropicWireEvent {
    return { type: "content_block_delta", index, delta: { type: "text_delta", text } };
  }

  private jsonDelta(index: number, partialJson: string): AnthropicWireEvent {
    return {
      type: "content_block_delta",
      index,
      delta: { type: "input_json_delta", partial_json: partialJson },
    };
  }
}

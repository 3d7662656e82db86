// A stream of Chat Completions chunks as the Responses API's semantic stream events, for clients of
// `POST /v1/responses` with `stream: true` served by a Chat Completions upstream. Stateful, no I/O:
// `push` each chunk, then `end` (or `fail`), and send every returned event as an SSE `data:` line.
//
// Events follow OpenAI's order, `sequence_number` from 0: response.created, response.in_progress;
// per message: output_item.added, content_part.added, output_text.delta... (or refusal.delta...),
// output_text.done (refusal.done), content_part.done, output_item.done; per function call:
// output_item.added, function_call_arguments.delta..., function_call_arguments.done,
// output_item.done; then response.completed or response.incomplete with the full Response, the
// same object chatToResponse gives for the same content.
//
// Output items never overlap: one item is open at a time. Chat streams may interleave the
// argument deltas of parallel tool calls (by `index`) and give no signal that a call is complete
// until the finish_reason, so the first tool call streams live while every later one is buffered;
// once the choice finishes, the live call is closed and each buffered call is emitted whole (added,
// one delta, done) in index order. Text arriving while a tool call is open (rare) is kept for a
// message after the calls. A message with no text is only emitted when there is nothing else.
//
// Failure: `fail` ends the stream with `response.failed` (status "failed", `error` {code, message},
// the output so far), as OpenAI does when a response fails after it started. No `error` event: it
// is for failures outside a response, and the openai SDK throws on it before reading
// response.failed.
import type { TResponsesRequest } from "@gw/contracts";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type {
  Response,
  ResponseError,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseStreamEvent,
} from "openai/resources/responses/responses";
import type { TokenUsage } from "../../metering/pricing/cost.ts";
import { usageFromChat } from "../usage-fields.ts";
import {
  buildResponse,
  deltaLogprobs,
  type FinishedStatus,
  finishStatus,
  functionCallItem,
  type IncompleteReason,
  messageItem,
  outputTextPart,
  partLogprobs,
  type ResponseHead,
  type ResponseIds,
  refusalPart,
  type WireResponse,
} from "./chat-to-response.ts";

/** A stream event as it is on the wire: lifecycle events carry a WireResponse (no `output_text`). */
export type ResponsesWireEvent = ResponseStreamEvent extends infer E
  ? E extends { response: Response }
    ? Omit<E, "response"> & { response: WireResponse }
    : E
  : never;

/** An event before its `sequence_number` is assigned. */
type Unnumbered = ResponsesWireEvent extends infer E
  ? E extends { sequence_number: number }
    ? Omit<E, "sequence_number">
    : never
  : never;

export interface ChatToResponseEventsOptions {
  /** The model the Response names; default: the first chunk's. */
  model?: string;
  /** Unix seconds; default: the first chunk's `created`. */
  createdAt?: number;
}

/** The error a failed response reports; codes outside ResponseError's become "server_error". */
export interface ResponseFailure {
  message: string;
  code?: string | null;
}

const RESPONSE_ERROR_CODES = new Set<string>([
  "server_error",
  "rate_limit_exceeded",
  "invalid_prompt",
  "vector_store_timeout",
  "invalid_image",
  "invalid_image_format",
  "invalid_base64_image",
  "invalid_image_url",
  "image_too_large",
  "image_too_small",
  "image_parse_error",
  "image_content_policy_violation",
  "invalid_image_mode",
  "image_file_too_large",
  "unsupported_image_media_type",
  "empty_image_file",
  "failed_to_download_image",
  "image_file_not_found",
]);

type Part = ResponseOutputText | ResponseOutputRefusal;

/** The message item being streamed. */
interface OpenMessage {
  item: ResponseOutputMessage;
  outputIndex: number;
  /** The part receiving deltas, if one is open. */
  part?: Part;
}

/** One chat tool call (by its `index`), live or buffered. */
interface ToolCallState {
  index: number;
  callId?: string;
  name?: string;
  arguments: string;
}

/** The live function call item. */
interface OpenCall {
  state: ToolCallState;
  item: ResponseFunctionToolCall;
  outputIndex: number;
}

export class ChatToResponseEvents {
  private sequence = 0;
  private started = false;
  private finished = false;
  private ended = false;
  private head: ResponseHead;
  private readonly output: ResponseOutputItem[] = [];
  private message: OpenMessage | undefined;
  private call: OpenCall | undefined;
  private readonly calls = new Map<number, ToolCallState>();
  /** Tool call indexes already emitted (live or flushed). */
  private readonly emitted = new Set<number>();
  /** Text (and refusal) that arrived while a tool call was open, for a message after the calls. */
  private readonly trailing: Array<{ kind: "text" | "refusal"; text: string }> = [];
  private finishReason: string | null = null;
  private upstreamUsage: TokenUsage | undefined;
  private final: WireResponse | undefined;

  constructor(
    private readonly request: TResponsesRequest,
    private readonly ids: ResponseIds,
    private readonly options: ChatToResponseEventsOptions = {},
  ) {
    this.head = {
      id: ids.responseId,
      createdAt: options.createdAt ?? 0,
      model: options.model ?? request.model,
    };
  }

  /** The Response so far; after `end` or `fail`, the final one (what the gateway stores). */
  get response(): WireResponse {
    return this.final ?? this.snapshot({ status: "in_progress" });
  }

  /** Usage from the upstream's usage chunk, if it sent one. */
  get usage(): TokenUsage | undefined {
    return this.upstreamUsage;
  }

  /** The events for one chunk (the first chunk also opens the response). */
  push(chunk: ChatCompletionChunk): ResponsesWireEvent[] {
    if (this.ended) return [];
    const events: Unnumbered[] = [];
    if (!this.started) this.start(events, chunk);
    if (chunk.service_tier) this.head.serviceTier = chunk.service_tier;
    if (chunk.usage) this.upstreamUsage = usageFromChat(chunk.usage);

    const choice = chunk.choices.find((c) => c.index === 0);
    if (choice && !this.finished) {
      const { delta } = choice;
      const logprobs = choice.logprobs?.content;
      if (delta.content) this.text("text", delta.content, logprobs, events);
      if (delta.refusal) this.text("refusal", delta.refusal, undefined, events);
      for (const toolCall of delta.tool_calls ?? []) this.toolCall(toolCall, events);
      if (choice.finish_reason) {
        this.finishReason = choice.finish_reason;
        this.finish(events);
      }
    }
    return this.number(events);
  }

  /**
   * The closing events: response.completed, or response.incomplete when the upstream stopped at
   * its token limit or a content filter. Usage is the upstream's usage chunk when it sent one,
   * else `usage` (the gateway's own count). A stream without a finish_reason counts as completed.
   */
  end(usage?: TokenUsage): ResponsesWireEvent[] {
    if (this.ended) return [];
    const events: Unnumbered[] = [];
    if (!this.started) this.start(events);
    if (!this.finished) this.finish(events);
    this.ended = true;
    const { status, reason } = finishStatus(this.finishReason);
    const response = this.snapshot({
      status,
      incompleteReason: reason,
      usage: this.upstreamUsage ?? usage,
      completedAt: status === "completed" ? this.now() : undefined,
    });
    this.final = response;
    events.push(
      status === "completed"
        ? { type: "response.completed", response }
        : { type: "response.incomplete", response },
    );
    return this.number(events);
  }

  /**
   * The closing event of a response that failed mid-stream: response.failed with status "failed",
   * `error` and the output so far (items still open are marked incomplete; buffered tool calls,
   * never announced, are left out).
   */
  fail(failure: ResponseFailure, usage?: TokenUsage): ResponsesWireEvent[] {
    if (this.ended) return [];
    const events: Unnumbered[] = [];
    if (!this.started) this.start(events);
    this.ended = true;
    if (this.message) this.message.item.status = "incomplete";
    if (this.call) this.call.item.status = "incomplete";
    const code = failure.code && RESPONSE_ERROR_CODES.has(failure.code) ? failure.code : "server_error";
    const response = this.snapshot({
      status: "failed",
      error: { code: code as ResponseError["code"], message: failure.message },
      usage: this.upstreamUsage ?? usage,
    });
    this.final = response;
    events.push({ type: "response.failed", response });
    return this.number(events);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  private now(): number {
    return this.ids.now?.() ?? Math.floor(Date.now() / 1000);
  }

  private start(events: Unnumbered[], chunk?: ChatCompletionChunk): void {
    this.started = true;
    this.head = {
      id: this.ids.responseId,
      createdAt: this.options.createdAt ?? chunk?.created ?? this.now(),
      model: this.options.model ?? chunk?.model ?? this.request.model,
      serviceTier: chunk?.service_tier,
    };
    const response = this.snapshot({ status: "in_progress" });
    events.push({ type: "response.created", response });
    events.push({ type: "response.in_progress", response: structuredClone(response) });
  }

  private snapshot(body: {
    status: WireResponse["status"] & string;
    incompleteReason?: IncompleteReason | undefined;
    error?: ResponseError;
    usage?: TokenUsage | undefined;
    completedAt?: number | undefined;
  }): WireResponse {
    return buildResponse(this.request, this.head, {
      ...body,
      status: body.status as "in_progress" | FinishedStatus | "failed",
      output: structuredClone(this.output),
    });
  }

  private number(events: Unnumbered[]): ResponsesWireEvent[] {
    return events.map((event) => ({ ...event, sequence_number: this.sequence++ }) as ResponsesWireEvent);
  }

  // ---- text ---------------------------------------------------------------------------------

  private text(
    kind: "text" | "refusal",
    delta: string,
    logprobs: Parameters<typeof partLogprobs>[0],
    events: Unnumbered[],
  ): void {
    if (this.call || this.emitted.size > 0) {
      const last = this.trailing.at(-1);
      if (last?.kind === kind) last.text += delta;
      else this.trailing.push({ kind, text: delta });
      return;
    }
    const message = this.message ?? this.openMessage(events);
    this.appendText(message, kind, delta, logprobs, events);
  }

  private openMessage(events: Unnumbered[]): OpenMessage {
    const item = messageItem(this.ids.itemId("msg"), "in_progress", []);
    const message: OpenMessage = { item, outputIndex: this.output.length };
    this.output.push(item);
    this.message = message;
    events.push({
      type: "response.output_item.added",
      output_index: message.outputIndex,
      item: structuredClone(item),
    });
    return message;
  }

  /** Makes the message's open part one of `kind`, closing a part of the other kind. */
  private ensurePart(message: OpenMessage, kind: "text" | "refusal", events: Unnumbered[]): Part {
    const wanted = kind === "text" ? "output_text" : "refusal";
    if (message.part?.type === wanted) return message.part;
    this.closePart(message, events);
    const part: Part = kind === "text" ? outputTextPart("") : refusalPart("");
    message.item.content.push(part);
    message.part = part;
    events.push({
      type: "response.content_part.added",
      item_id: message.item.id,
      output_index: message.outputIndex,
      content_index: message.item.content.length - 1,
      part: structuredClone(part),
    });
    return part;
  }

  private appendText(
    message: OpenMessage,
    kind: "text" | "refusal",
    delta: string,
    logprobs: Parameters<typeof partLogprobs>[0],
    events: Unnumbered[],
  ): void {
    const part = this.ensurePart(message, kind, events);
    const location = {
      item_id: message.item.id,
      output_index: message.outputIndex,
      content_index: message.item.content.length - 1,
    };
    if (part.type === "output_text") {
      part.text += delta;
      part.logprobs?.push(...partLogprobs(logprobs));
      events.push({
        type: "response.output_text.delta",
        ...location,
        delta,
        logprobs: deltaLogprobs(logprobs),
      });
    } else {
      part.refusal += delta;
      events.push({ type: "response.refusal.delta", ...location, delta });
    }
  }

  private closePart(message: OpenMessage, events: Unnumbered[]): void {
    const part = message.part;
    if (!part) return;
    message.part = undefined;
    const location = {
      item_id: message.item.id,
      output_index: message.outputIndex,
      content_index: message.item.content.length - 1,
    };
    if (part.type === "output_text") {
      events.push({
        type: "response.output_text.done",
        ...location,
        text: part.text,
        logprobs: (part.logprobs ?? []).map(({ token, logprob, top_logprobs }) => ({
          token,
          logprob,
          top_logprobs: top_logprobs.map((top) => ({ token: top.token, logprob: top.logprob })),
        })),
      });
    } else {
      events.push({ type: "response.refusal.done", ...location, refusal: part.refusal });
    }
    events.push({ type: "response.content_part.done", ...location, part: structuredClone(part) });
  }

  private closeMessage(status: ResponseOutputMessage["status"], events: Unnumbered[]): void {
    const message = this.message;
    if (!message) return;
    this.closePart(message, events);
    message.item.status = status;
    this.message = undefined;
    events.push({
      type: "response.output_item.done",
      output_index: message.outputIndex,
      item: structuredClone(message.item),
    });
  }

  // ---- tool calls ---------------------------------------------------------------------------

  private toolCall(
    delta: NonNullable<ChatCompletionChunk.Choice.Delta["tool_calls"]>[number],
    events: Unnumbered[],
  ): void {
    let state = this.calls.get(delta.index);
    if (!state) {
      state = { index: delta.index, arguments: "" };
      this.calls.set(delta.index, state);
    }
    if (delta.id && !state.callId) state.callId = delta.id;
    if (delta.function?.name && !state.name) state.name = delta.function.name;
    const piece = delta.function?.arguments ?? "";

    if (this.call?.state === state) {
      this.appendArguments(this.call, piece, events);
      return;
    }
    state.arguments += piece;
    // The first call to be named goes live; every later one waits for the finish.
    if (!this.call && this.emitted.size === 0 && state.callId && state.name) {
      this.closeMessage("completed", events);
      const call = this.openCall(state, events);
      if (state.arguments) {
        const buffered = state.arguments;
        state.arguments = "";
        this.appendArguments(call, buffered, events);
      }
    }
  }

  private openCall(state: ToolCallState, events: Unnumbered[]): OpenCall {
    const item = functionCallItem(this.ids.itemId("fc"), "in_progress", {
      callId: state.callId ?? `call_${state.index}`,
      name: state.name ?? "",
      arguments: "",
    });
    const call: OpenCall = { state, item, outputIndex: this.output.length };
    this.output.push(item);
    this.call = call;
    this.emitted.add(state.index);
    events.push({
      type: "response.output_item.added",
      output_index: call.outputIndex,
      item: structuredClone(item),
    });
    return call;
  }

  private appendArguments(call: OpenCall, piece: string, events: Unnumbered[]): void {
    if (!piece) return;
    call.state.arguments += piece;
    call.item.arguments += piece;
    events.push({
      type: "response.function_call_arguments.delta",
      item_id: call.item.id as string,
      output_index: call.outputIndex,
      delta: piece,
    });
  }

  private closeCall(status: NonNullable<ResponseFunctionToolCall["status"]>, events: Unnumbered[]): void {
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    call.item.status = status;
    const done = {
      type: "response.function_call_arguments.done" as const,
      item_id: call.item.id as string,
      output_index: call.outputIndex,
      arguments: call.item.arguments,
    };
    // OpenAI's event also names the function; the SDK's type has not caught up.
    events.push(Object.assign(done, { name: call.item.name }));
    events.push({
      type: "response.output_item.done",
      output_index: call.outputIndex,
      item: structuredClone(call.item),
    });
  }

  // ---- the finish ---------------------------------------------------------------------------

  /** Closes every item: the open one, the buffered tool calls, then any trailing text. */
  private finish(events: Unnumbered[]): void {
    this.finished = true;
    const { status } = finishStatus(this.finishReason);
    const pending = [...this.calls.values()]
      .filter((state) => !this.emitted.has(state.index))
      .sort((a, b) => a.index - b.index);
    const trailing = this.trailing.filter((entry) => entry.text !== "");
    if (this.output.length === 0 && pending.length === 0 && trailing.length === 0) {
      // No text and no tool calls: an empty message, as chatToResponse gives.
      this.ensurePart(this.openMessage(events), "text", events);
    }
    // The last item closed is the one a cut (incomplete) response marks incomplete.
    const lastStatus = status === "incomplete" ? "incomplete" : "completed";
    const openIsLast = pending.length === 0 && trailing.length === 0;
    if (this.message) this.closeMessage(openIsLast ? lastStatus : "completed", events);
    if (this.call) this.closeCall(openIsLast ? lastStatus : "completed", events);
    pending.forEach((state, k) => {
      const call = this.openCall(state, events);
      const buffered = state.arguments;
      state.arguments = "";
      this.appendArguments(call, buffered, events);
      this.closeCall(k === pending.length - 1 && trailing.length === 0 ? lastStatus : "completed", events);
    });
    if (trailing.length > 0) {
      const message = this.openMessage(events);
      for (const entry of trailing) this.appendText(message, entry.kind, entry.text, undefined, events);
      this.closeMessage(lastStatus, events);
    }
  }
}

// A Chat Completions answer as an OpenAI Responses API `Response`, for clients of `POST /v1/responses`
// served by a Chat Completions upstream. Pure. Also the building blocks the streaming translator
// (chat-to-response-events.ts) shares, so a streamed response ends with the same object.
//
// Output: one assistant `message` item (output_text and/or refusal parts) unless the turn was only
// tool calls, then one `function_call` item per tool call, in the completion's order. A completion
// cut by its token limit or a content filter is `incomplete`, and so is its last output item.
// `output_text` is not on the wire: the openai SDK derives it, so it is not part of WireResponse.
import type { TResponsesFunctionTool, TResponsesRequest } from "@gw/contracts";
import type { ChatCompletion, ChatCompletionTokenLogprob } from "openai/resources/chat/completions";
import type {
  FunctionTool,
  Response,
  ResponseError,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseTextDeltaEvent,
} from "openai/resources/responses/responses";
import type { TokenUsage } from "../../metering/pricing/cost.ts";
import { usageFromChat, usageToResponses } from "../usage-fields.ts";

/**
 * A Response as OpenAI sends it: the SDK's type without `output_text` (the SDK computes it) and
 * with `store`, which OpenAI echoes but the SDK's type lacks.
 */
export type WireResponse = Omit<Response, "output_text"> & { store?: boolean };

/** Where a Response's ids and times come from; the caller's, so tests are deterministic. */
export interface ResponseIds {
  /** The Response's id, `resp_...`. */
  responseId: string;
  /** A fresh output item id: `msg_...` for messages, `fc_...` for function calls. */
  itemId: (prefix: "msg" | "fc") => string;
  /** Unix seconds, for `completed_at` (and `created_at` when nothing else gives it). Default: now. */
  now?: () => number;
}

export type FinishedStatus = "completed" | "incomplete";
export type IncompleteReason = "max_output_tokens" | "content_filter";

/** A chat finish_reason as a Response status: cut by the token limit or a filter is incomplete. */
export function finishStatus(finishReason: string | null | undefined): {
  status: FinishedStatus;
  reason?: IncompleteReason;
} {
  if (finishReason === "length") return { status: "incomplete", reason: "max_output_tokens" };
  if (finishReason === "content_filter") return { status: "incomplete", reason: "content_filter" };
  return { status: "completed" };
}

/** What identifies a Response besides its id, known once the upstream answered. */
export interface ResponseHead {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  serviceTier?: string | null | undefined;
}

/** What changes while a Response is produced. */
export interface ResponseBody {
  status: "in_progress" | "completed" | "incomplete" | "failed";
  output: ResponseOutputItem[];
  incompleteReason?: IncompleteReason | undefined;
  error?: ResponseError | undefined;
  usage?: TokenUsage | undefined;
  /** Unix seconds; set only on completed responses. */
  completedAt?: number | undefined;
}

function isFunctionTool(tool: { type: string }): tool is TResponsesFunctionTool {
  return tool.type === "function";
}

/** The request's function tools as a Response echoes them (other tools never reach this dialect). */
function echoTools(request: TResponsesRequest): FunctionTool[] {
  return (request.tools ?? []).filter(isFunctionTool).map((tool) => {
    const echoed: FunctionTool = {
      type: "function",
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    };
    return echoed;
  });
}

/**
 * The full Response object: the given state plus the request's settings echoed the way OpenAI
 * echoes them (its defaults where the request set nothing).
 */
export function buildResponse(
  request: TResponsesRequest,
  head: ResponseHead,
  body: ResponseBody,
): WireResponse {
  const response: WireResponse = {
    id: head.id,
    object: "response",
    created_at: head.createdAt,
    status: body.status,
    background: false,
    error: body.error ?? null,
    incomplete_details: body.incompleteReason ? { reason: body.incompleteReason } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: request.max_tool_calls ?? null,
    model: head.model,
    output: body.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    prompt_cache_key: request.prompt_cache_key ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    safety_identifier: request.safety_identifier ?? null,
    service_tier: (head.serviceTier ?? "default") as WireResponse["service_tier"],
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: {
      format: (request.text?.format ?? { type: "text" }) as NonNullable<WireResponse["text"]>["format"],
      verbosity: request.text?.verbosity ?? "medium",
    },
    tool_choice: (request.tool_choice ?? "auto") as WireResponse["tool_choice"],
    tools: echoTools(request),
    top_logprobs: request.top_logprobs ?? 0,
    top_p: request.top_p ?? 1,
    truncation: request.truncation ?? "disabled",
    metadata: request.metadata ?? {},
    access_programs: null,
  };
  if (body.completedAt !== undefined) response.completed_at = body.completedAt;
  if (body.usage) response.usage = usageToResponses(body.usage);
  if (request.user !== undefined) response.user = request.user;
  return response;
}

/** Chat token logprobs as an output_text part's `logprobs`. */
export function partLogprobs(
  logprobs: readonly ChatCompletionTokenLogprob[] | null | undefined,
): NonNullable<ResponseOutputText["logprobs"]> {
  return (logprobs ?? []).map((entry) => ({
    token: entry.token,
    bytes: entry.bytes ?? [],
    logprob: entry.logprob,
    top_logprobs: entry.top_logprobs.map((top) => ({
      token: top.token,
      bytes: top.bytes ?? [],
      logprob: top.logprob,
    })),
  }));
}

/** Chat token logprobs as a `response.output_text.delta` event's `logprobs`. */
export function deltaLogprobs(
  logprobs: readonly ChatCompletionTokenLogprob[] | null | undefined,
): ResponseTextDeltaEvent.Logprob[] {
  return (logprobs ?? []).map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    top_logprobs: entry.top_logprobs.map((top) => ({ token: top.token, logprob: top.logprob })),
  }));
}

export function outputTextPart(
  text: string,
  logprobs: ResponseOutputText["logprobs"] = [],
): ResponseOutputText {
  return { type: "output_text", annotations: [], logprobs, text };
}

export function refusalPart(refusal: string): ResponseOutputRefusal {
  return { type: "refusal", refusal };
}

export function messageItem(
  id: string,
  status: ResponseOutputMessage["status"],
  content: ResponseOutputMessage["content"],
): ResponseOutputMessage {
  return { id, type: "message", status, content, role: "assistant" };
}

export function functionCallItem(
  id: string,
  status: NonNullable<ResponseFunctionToolCall["status"]>,
  call: { callId: string; name: string; arguments: string },
): ResponseFunctionToolCall {
  return {
    id,
    type: "function_call",
    status,
    arguments: call.arguments,
    call_id: call.callId,
    name: call.name,
  };
}

/** Marks the last output item incomplete (the one a token limit or filter cut). */
export function markLastIncomplete(output: ResponseOutputItem[]): void {
  const last = output.at(-1);
  if (last && (last.type === "message" || last.type === "function_call")) last.status = "incomplete";
}

/**
 * A non-streamed chat completion as a Response. `request` is the Responses request it answers
 * (echoed settings); only the first choice is read (the translated request never asks for more).
 */
export function chatToResponse(
  completion: ChatCompletion,
  request: TResponsesRequest,
  ids: ResponseIds,
): WireResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const { status, reason } = finishStatus(choice?.finish_reason);
  const toolCalls = (message?.tool_calls ?? []).flatMap((call) => (call.type === "function" ? [call] : []));

  const output: ResponseOutputItem[] = [];
  const content: ResponseOutputMessage["content"] = [];
  const text = message?.content ?? "";
  const refusal = message?.refusal ?? "";
  if (text !== "" || (refusal === "" && toolCalls.length === 0)) {
    content.push(outputTextPart(text, partLogprobs(choice?.logprobs?.content)));
  }
  if (refusal !== "") content.push(refusalPart(refusal));
  if (content.length > 0) output.push(messageItem(ids.itemId("msg"), "completed", content));
  for (const call of toolCalls) {
    output.push(
      functionCallItem(ids.itemId("fc"), "completed", {
        callId: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }),
    );
  }
  if (status === "incomplete") markLastIncomplete(output);

  const now = ids.now ?? (() => Math.floor(Date.now() / 1000));
  return buildResponse(
    request,
    {
      id: ids.responseId,
      createdAt: completion.created,
      model: completion.model,
      serviceTier: completion.service_tier,
    },
    {
      status,
      output,
      incompleteReason: reason,
      usage: completion.usage ? usageFromChat(completion.usage) : undefined,
      completedAt: status === "completed" ? now() : undefined,
    },
  );
}

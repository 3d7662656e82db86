// POST /v1/responses (OpenAI's Responses API) as an endpoint of the pipeline. An OpenAI target gets
// the request through the official SDK's Responses API (with `store: false`: the gateway keeps the
// conversation itself); Anthropic and OpenAI-compatible targets get it translated to Chat
// Completions, and the answer translated back (dialects/openai-responses). Either way the client
// sees the Responses wire format: a Response, or semantic events ending with response.completed
// (or response.incomplete), and OpenAI's `error` event when a stream fails.
import { randomUUID } from "node:crypto";
import { type TResponsesInputItem, type TResponsesRequest, ZResponsesRequest } from "@gw/contracts";
import type { KeyIdentity } from "../../auth/key-store.ts";
import {
  chatToResponse,
  type ResponseIds,
  type WireResponse,
} from "../../dialects/openai-responses/chat-to-response.ts";
import {
  ChatToResponseEvents,
  type ResponsesWireEvent,
} from "../../dialects/openai-responses/chat-to-response-events.ts";
import {
  referencedItemIds,
  resolveItemReferences,
  responseInputItems,
} from "../../dialects/openai-responses/response-items.ts";
import { responsesToChat } from "../../dialects/openai-responses/responses-to-chat.ts";
import { usageFromResponses } from "../../dialects/usage-fields.ts";
import { GatewayError } from "../../errors.ts";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChunkStream,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
} from "../../providers/types.ts";
import type { RouteTarget } from "../../routing/routing-table.ts";
import { countTextTokens } from "../../tokens/tokenizer.ts";
import type { PipelineContext } from "../context.ts";
import { type EndpointSpec, parseWith } from "../endpoint.ts";
import { type KeepConversation, ResponsesRelay, responseEvents } from "./responses-stream.ts";

/** A Responses request, with what the gateway decides for it once. */
export interface ResponsesCall {
  body: TResponsesRequest;
  /** The Response's id and its items' ids, when the gateway makes the Response (translated targets). */
  ids: ResponseIds;
  /** The prompt's tokens, once counted. */
  promptTokens?: number;
  /** Stores the finished conversation (unless the client sent `store: false`). */
  keep?: KeepConversation;
}

const parseBody = parseWith(ZResponsesRequest);

const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll("-", "")}`;

function responseIds(): ResponseIds {
  return { responseId: newId("resp"), itemId: (prefix) => newId(prefix) };
}

// An image's tokens at high detail on OpenAI's largest tiles; the reservation takes the most.
const IMAGE_TOKENS = 1_600;

/** Tokens of one input item: message text and parts, function calls and their outputs, anything else as JSON. */
function itemTokens(item: unknown): number {
  const typed = item as {
    type?: string;
    content?: unknown;
    arguments?: unknown;
    name?: unknown;
    output?: unknown;
  };
  if (typeof typed.content === "string") return 4 + countTextTokens(typed.content);
  if (Array.isArray(typed.content)) {
    let total = 4;
    for (const part of typed.content as Array<{ type?: string; text?: unknown }>) {
      if (typeof part.text === "string") total += countTextTokens(part.text);
      else if (part.type === "input_image") total += IMAGE_TOKENS;
      else total += countTextTokens(JSON.stringify(part));
    }
    return total;
  }
  if (typed.type === "function_call")
    return 4 + countTextTokens(String(typed.name ?? "")) + countTextTokens(String(typed.arguments ?? ""));
  if (typed.type === "function_call_output")
    return (
      4 + countTextTokens(typeof typed.output === "string" ? typed.output : JSON.stringify(typed.output))
    );
  return countTextTokens(JSON.stringify(item));
}

/** Prompt tokens of a Responses request (or an input_tokens count): instructions, input and tools. */
export function countResponsesPromptTokens(
  body: Pick<TResponsesRequest, "instructions" | "input" | "tools">,
): number {
  let total = 3;
  if (body.instructions) total += countTextTokens(body.instructions);
  if (typeof body.input === "string") total += countTextTokens(body.input);
  else for (const item of body.input ?? []) total += itemTokens(item);
  if (body.tools?.length) total += countTextTokens(JSON.stringify(body.tools));
  return total;
}

/** Counted once per request (admission and a translated stream's estimate both need it). */
const promptTokensOf = (call: ResponsesCall): number =>
  (call.promptTokens ??= countResponsesPromptTokens(call.body));

/**
 * Expands `previous_response_id` (the stored conversation, then this input) and `item_reference`
 * items (the stored items) for the key's organization; either not found is a 404 naming it.
 */
async function prepare(call: ResponsesCall, ctx: PipelineContext, identity: KeyIdentity): Promise<void> {
  const { body } = call;
  const { orgId } = identity;
  let input: TResponsesInputItem[] | undefined =
    typeof body.input === "string" ? [{ type: "message", role: "user", content: body.input }] : body.input;
  if (body.previous_response_id) {
    const previous = await ctx.responses.conversation(orgId, body.previous_response_id);
    if (previous === undefined) {
      throw new GatewayError(
        "not_found",
        `Previous response with id '${body.previous_response_id}' not found.`,
        "previous_response_id",
      );
    }
    input = [...(previous as TResponsesInputItem[]), ...(input ?? [])];
    body.input = input;
  }
  const referenced = input === undefined ? [] : referencedItemIds(input);
  if (input !== undefined && referenced.length > 0) {
    const found = await ctx.responses.items(orgId, referenced);
    body.input = resolveItemReferences(input, (id) => found.get(id));
  }
  if (body.store === false) return;
  call.keep = async (response) => {
    if (response.status !== "completed" && response.status !== "incomplete") return;
    try {
      await ctx.responses.save(orgId, response.id, responseInputItems(body.input, response));
    } catch (error) {
      // The answer stands; only a later previous_response_id naming it will not resolve.
      ctx.log.warn({ err: error, responseId: response.id }, "responses: storing the conversation failed");
    }
  };
}

const passesThrough = (target: RouteTarget) => target.provider.adapter.responses !== undefined;

/** The body for OpenAI's Responses API: the client's, for the target's model, stored by the gateway only. */
function upstreamBody(call: ResponsesCall, target: RouteTarget, cap: number | undefined) {
  const { previous_response_id: _expanded, ...body } = call.body;
  return {
    ...body,
    model: target.model,
    store: false,
    ...(cap === undefined ? {} : { max_output_tokens: cap }),
  };
}

/** The Chat Completions request for a target that only speaks it. */
function chatParams(
  call: ResponsesCall,
  target: RouteTarget,
  cap: number | undefined,
): ChatCompletionCreateParamsNonStreaming {
  const params = responsesToChat(call.body, target.model);
  if (cap !== undefined) params.max_tokens = cap;
  return params;
}

/** Text of a Response's output, as the gateway counts output. */
function responseText(response: WireResponse): string {
  let text = "";
  for (const item of response.output) {
    if (item.type === "message") {
      for (const part of item.content) text += part.type === "output_text" ? part.text : part.refusal;
    } else if (item.type === "function_call") text += item.name + item.arguments;
  }
  return text;
}

export const responsesEndpoint: EndpointSpec<ResponsesCall, WireResponse, ResponsesWireEvent> = {
  name: "responses",
  parse: (body) => ({ body: parseBody(body), ids: responseIds() }),
  // OpenAI upstreams take it as it is; every other adapter serves it through chat.
  servedBy: () => true,
  unsupported: (model) => `The model \`${model}\` does not support responses.`,
  model: (call) => call.body.model,
  stream: (call) => call.body.stream === true,
  prepare,
  promptTokens: promptTokensOf,
  outputBudget(call, defaultCap) {
    const cap = call.body.max_output_tokens ?? undefined;
    return { maxOutputTokens: cap ?? defaultCap, injectCap: cap === undefined ? defaultCap : undefined };
  },
  async call(target, call, cap, options) {
    const { adapter } = target.provider;
    let response: WireResponse;
    if (passesThrough(target)) {
      const body = { ...upstreamBody(call, target, cap), stream: false } as ResponseCreateParamsNonStreaming;
      response = (await adapter.responses!(body, options)) as WireResponse;
      // The upstream saw the expanded conversation, not the id the client continued from.
      response.previous_response_id = call.body.previous_response_id ?? null;
    } else {
      const completion = await adapter.chat(chatParams(call, target, cap), options);
      response = chatToResponse(completion, call.body, call.ids);
    }
    await call.keep?.(response);
    return response;
  },
  async open(target, call, cap, options) {
    const { adapter } = target.provider;
    if (passesThrough(target)) {
      const body = { ...upstreamBody(call, target, cap), stream: true } as ResponseCreateParamsStreaming;
      return (await adapter.responsesStream!(body, options)) as ChunkStream<ResponsesWireEvent>;
    }
    const params = { ...chatParams(call, target, cap), stream: true } as ChatCompletionCreateParamsStreaming;
    const chunks = await adapter.chatStream(params, options);
    const translator = new ChatToResponseEvents(call.body, call.ids, {
      createdAt: Math.floor(Date.now() / 1000),
    });
    return responseEvents(chunks, translator, promptTokensOf(call), adapter.id);
  },
  usage: (response) => (response.usage ? usageFromResponses(response.usage) : undefined),
  outputTokens: (response) => countTextTokens(responseText(response)),
  relay: (call) => new ResponsesRelay(call.keep, call.body.previous_response_id ?? undefined),
};

// An OpenAI Responses API request (`POST /v1/responses`) as a Chat Completions request, for targets
// that only speak Chat Completions (Anthropic through its adapter, OpenAI-compatible hosts). Pure.
//
// The gateway resolves `previous_response_id` and `item_reference` items before this runs, so the
// input is a list of concrete items. What a Chat Completions target cannot do is refused with a
// 400 naming the parameter, never dropped: built-in tools, file inputs, images by file_id, stored
// prompts, conversations, background mode, `truncation: "auto"`, includes that need server state,
// unknown top-level fields. Decisions:
// - `developer` messages become `system` messages: OpenAI-compatible hosts and the Anthropic
//   adapter all know `system`, not all know `developer`, and Chat Completions treats them alike.
// - Consecutive assistant-side items (assistant messages, function calls) are one assistant turn,
//   as Chat Completions requires for tool calls (reasoning items between them are dropped).
// - `store`, `metadata` and `previous_response_id` are the gateway's business (it stores and
//   echoes them), not the upstream's; they are not forwarded.
// - Accepted although nothing maps to them, since they only ask for output a Chat target never
//   produces: `reasoning.summary` and `include: ["reasoning.encrypted_content"]` (there are no
//   reasoning items), `max_tool_calls` (it caps built-in tools only), `stream_options`.
// - Function tools keep `strict` as sent (Responses defaults it to true; it is not invented here).
import type {
  TResponsesContentPart,
  TResponsesFunctionTool,
  TResponsesInputItem,
  TResponsesKnownItem,
  TResponsesRequest,
  TResponsesToolChoice,
} from "@gw/contracts";
import { RESPONSES_ITEM_TYPES } from "@gw/contracts";
import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartRefusal,
  ChatCompletionContentPartText,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import { GatewayError } from "../../errors.ts";

/** Top-level fields this translator reads (or knowingly ignores); any other field set is refused. */
const HANDLED_FIELDS = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "max_output_tokens",
  "max_tool_calls",
  "temperature",
  "top_p",
  "top_logprobs",
  "stream",
  "stream_options",
  "store",
  "background",
  "include",
  "prompt",
  "metadata",
  "user",
  "safety_identifier",
  "prompt_cache_key",
  "prompt_cache_retention",
  "service_tier",
  "previous_response_id",
  "conversation",
  "text",
  "reasoning",
  "truncation",
]);

const LOGPROBS_INCLUDE = "message.output_text.logprobs";
/** `include` values a Chat Completions target can honour (see the header for the second). */
const SUPPORTED_INCLUDES = new Set([LOGPROBS_INCLUDE, "reasoning.encrypted_content"]);

const CHAT_SERVICE_TIERS = new Set(["auto", "default", "flex", "scale", "priority", "fast"]);

const KNOWN_ITEM_TYPES = new Set<string>(RESPONSES_ITEM_TYPES);

function refuse(message: string, param: string): never {
  throw new GatewayError("invalid_request_error", message, param);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isFunctionTool(tool: { type: string }): tool is TResponsesFunctionTool {
  return tool.type === "function";
}

/** The item's type, `message` for an EasyInputMessage without one. */
function itemType(item: TResponsesInputItem): string {
  return (item as { type?: string }).type ?? "message";
}

/** Request-level settings a Chat Completions target cannot honour. */
function refuseUnsupportedSettings(body: TResponsesRequest, model: string): void {
  for (const [field, value] of Object.entries(body)) {
    if (!HANDLED_FIELDS.has(field) && present(value)) {
      refuse(`Unsupported parameter for model ${model}: '${field}'.`, field);
    }
  }
  if (body.background === true) {
    refuse(`Background responses are not supported for model ${model}.`, "background");
  }
  if (present(body.conversation)) {
    refuse(`Conversations are not supported for model ${model}; use previous_response_id.`, "conversation");
  }
  if (present(body.prompt)) {
    refuse(`Stored prompts are not supported for model ${model}; send instructions and input.`, "prompt");
  }
  if (body.truncation === "auto") {
    refuse(`truncation 'auto' is not supported for model ${model}; use 'disabled'.`, "truncation");
  }
  if (present(body.service_tier) && !CHAT_SERVICE_TIERS.has(body.service_tier as string)) {
    refuse(`service_tier '${body.service_tier}' is not supported for model ${model}.`, "service_tier");
  }
  (body.include ?? []).forEach((value, i) => {
    if (!SUPPORTED_INCLUDES.has(value)) {
      refuse(`include value '${value}' is not supported for model ${model}.`, `include[${i}]`);
    }
  });
}

// ---- content --------------------------------------------------------------------------------

type TextOrRefusal = ChatCompletionContentPartText | ChatCompletionContentPartRefusal;

function userPart(part: TResponsesContentPart, param: string, model: string): ChatCompletionContentPart {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text };
    case "input_image": {
      if (!part.image_url) {
        refuse(
          `Images by file_id are not supported for model ${model}; send image_url (an https or data: URL).`,
          param,
        );
      }
      const image: ChatCompletionContentPart = { type: "image_url", image_url: { url: part.image_url } };
      if (part.detail) image.image_url.detail = part.detail;
      return image;
    }
    case "input_file":
      return refuse(`File inputs (input_file) are not supported for model ${model}.`, param);
    case "refusal":
      return refuse("refusal parts belong to assistant messages.", param);
  }
}

function textPart(part: TResponsesContentPart, role: string, param: string, model: string) {
  if (part.type === "input_text" || part.type === "output_text") {
    return { type: "text" as const, text: part.text };
  }
  return refuse(`A ${role} message can only contain text for model ${model}; got ${part.type}.`, param);
}

function assistantPart(part: TResponsesContentPart, param: string, model: string): TextOrRefusal {
  if (part.type === "refusal") return { type: "refusal", refusal: part.refusal };
  return textPart(part, "assistant", param, model);
}

// ---- items ----------------------------------------------------------------------------------

/** The assistant turn being assembled from consecutive assistant messages and function calls. */
interface AssistantTurn {
  parts: TextOrRefusal[];
  toolCalls: ChatCompletionMessageFunctionToolCall[];
}

function assistantMessage(turn: AssistantTurn): ChatCompletionMessageParam {
  const [first] = turn.parts;
  const content =
    turn.parts.length === 0
      ? turn.toolCalls.length > 0
        ? null
        : ""
      : turn.parts.length === 1 && first?.type === "text"
        ? first.text
        : turn.parts;
  return turn.toolCalls.length > 0
    ? { role: "assistant", content, tool_calls: turn.toolCalls }
    : { role: "assistant", content };
}

function inputMessages(input: TResponsesRequest["input"], model: string): ChatCompletionMessageParam[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [{ role: "user", content: input }];

  const messages: ChatCompletionMessageParam[] = [];
  const callIds = new Set<string>();
  let turn: AssistantTurn | undefined;
  const flush = () => {
    if (turn) messages.push(assistantMessage(turn));
    turn = undefined;
  };

  input.forEach((raw, i) => {
    const type = itemType(raw);
    if (!KNOWN_ITEM_TYPES.has(type)) {
      refuse(`Input items of type '${type}' are not supported for model ${model}.`, `input[${i}]`);
    }
    const item = raw as TResponsesKnownItem;
    switch (item.type) {
      case "reasoning":
        return;
      case "item_reference":
        throw new Error(`input[${i}] is an unresolved item_reference; the gateway resolves them first`);
      case "function_call": {
        turn ??= { parts: [], toolCalls: [] };
        turn.toolCalls.push({
          id: item.call_id,
          type: "function",
          function: { name: item.name, arguments: item.arguments },
        });
        callIds.add(item.call_id);
        return;
      }
      case "function_call_output": {
        flush();
        if (!callIds.has(item.call_id)) {
          refuse(
            `No tool call found for function call output with call_id ${item.call_id}.`,
            `input[${i}].call_id`,
          );
        }
        const content =
          typeof item.output === "string"
            ? item.output
            : item.output
                .map((part, j) => {
                  if (part.type === "input_text") return part.text;
                  return refuse(
                    `Function call outputs can only contain text for model ${model}; got ${part.type}.`,
                    `input[${i}].output[${j}]`,
                  );
                })
                .join("");
        messages.push({ role: "tool", tool_call_id: item.call_id, content });
        return;
      }
      default: {
        // A message (`type` "message" or absent).
        const param = (j: number) => `input[${i}].content[${j}]`;
        if (item.role === "assistant") {
          turn ??= { parts: [], toolCalls: [] };
          if (typeof item.content === "string") turn.parts.push({ type: "text", text: item.content });
          else turn.parts.push(...item.content.map((part, j) => assistantPart(part, param(j), model)));
          return;
        }
        flush();
        if (item.role === "user") {
          messages.push({
            role: "user",
            content:
              typeof item.content === "string"
                ? item.content
                : item.content.map((part, j) => userPart(part, param(j), model)),
          });
          return;
        }
        // system, and developer (see the header).
        messages.push({
          role: "system",
          content:
            typeof item.content === "string"
              ? item.content
              : item.content.map((part, j) => textPart(part, item.role, param(j), model)),
        });
      }
    }
  });
  flush();
  return messages;
}

// ---- tools ----------------------------------------------------------------------------------

function chatTools(body: TResponsesRequest, model: string): ChatCompletionTool[] {
  return (body.tools ?? []).map((tool, i) => {
    if (!isFunctionTool(tool)) {
      return refuse(`Tool type '${tool.type}' is not supported for model ${model}.`, `tools[${i}]`);
    }
    const fn: ChatCompletionTool & { type: "function" } = { type: "function", function: { name: tool.name } };
    if (present(tool.description)) fn.function.description = tool.description as string;
    if (present(tool.parameters)) fn.function.parameters = tool.parameters as Record<string, unknown>;
    if (present(tool.strict)) fn.function.strict = tool.strict as boolean;
    return fn;
  });
}

function chatToolChoice(
  choice: TResponsesToolChoice,
  hasTools: boolean,
  model: string,
): ChatCompletionToolChoiceOption | undefined {
  if (typeof choice === "string") {
    if (hasTools) return choice;
    if (choice === "required") refuse("tool_choice 'required' needs at least one tool.", "tool_choice");
    return undefined;
  }
  if (!hasTools) refuse(`tool_choice '${choice.type}' needs tools.`, "tool_choice");
  if (choice.type === "function" && typeof choice.name === "string") {
    return { type: "function", function: { name: choice.name } };
  }
  if (choice.type === "allowed_tools" && Array.isArray(choice.tools)) {
    const tools = (choice.tools as Record<string, unknown>[]).map((tool, i) => {
      if (tool.type !== "function" || typeof tool.name !== "string") {
        return refuse(`Only function tools can be allowed for model ${model}.`, `tool_choice.tools[${i}]`);
      }
      return { type: "function", function: { name: tool.name } };
    });
    return { type: "allowed_tools", allowed_tools: { mode: choice.mode as "auto" | "required", tools } };
  }
  return refuse(`tool_choice type '${choice.type}' is not supported for model ${model}.`, "tool_choice");
}

// ---- the request ----------------------------------------------------------------------------

/**
 * The Chat Completions request for `body`, sent to `model` (the target's model name, also named in
 * refusals). Non-streaming: the caller sets `stream` (and `stream_options`) for streams.
 * @throws GatewayError invalid_request_error naming the parameter a Chat target cannot serve.
 * @throws Error for an item_reference left in the input (the gateway resolves them first).
 */
export function responsesToChat(
  body: TResponsesRequest,
  model: string,
): ChatCompletionCreateParamsNonStreaming {
  refuseUnsupportedSettings(body, model);

  const messages: ChatCompletionMessageParam[] = [];
  if (body.instructions) messages.push({ role: "system", content: body.instructions });
  messages.push(...inputMessages(body.input, model));
  if (messages.length === 0) refuse("input is required.", "input");

  const params: ChatCompletionCreateParamsNonStreaming = { model, messages };

  const tools = chatTools(body, model);
  if (tools.length > 0) params.tools = tools;
  if (body.tool_choice !== undefined) {
    const choice = chatToolChoice(body.tool_choice, tools.length > 0, model);
    if (choice !== undefined) params.tool_choice = choice;
  }
  // Chat Completions refuses parallel_tool_calls without tools; without tools it means nothing.
  if (tools.length > 0 && present(body.parallel_tool_calls)) {
    params.parallel_tool_calls = body.parallel_tool_calls as boolean;
  }

  if (present(body.max_output_tokens)) params.max_tokens = body.max_output_tokens as number;
  if (present(body.temperature)) params.temperature = body.temperature as number;
  if (present(body.top_p)) params.top_p = body.top_p as number;
  if (body.include?.includes(LOGPROBS_INCLUDE)) {
    params.logprobs = true;
    if (present(body.top_logprobs)) params.top_logprobs = body.top_logprobs as number;
  }

  const format = body.text?.format;
  if (format?.type === "json_object") params.response_format = { type: "json_object" };
  if (format?.type === "json_schema") {
    const schema: { name: string; schema: Record<string, unknown>; strict?: boolean; description?: string } =
      {
        name: format.name,
        schema: format.schema,
      };
    if (present(format.strict)) schema.strict = format.strict as boolean;
    if (format.description !== undefined) schema.description = format.description;
    params.response_format = { type: "json_schema", json_schema: schema };
  }
  if (present(body.text?.verbosity)) params.verbosity = body.text?.verbosity;
  if (present(body.reasoning?.effort)) params.reasoning_effort = body.reasoning?.effort;

  if (body.user !== undefined) params.user = body.user;
  if (present(body.safety_identifier)) params.safety_identifier = body.safety_identifier;
  if (present(body.prompt_cache_key)) params.prompt_cache_key = body.prompt_cache_key;
  if (present(body.prompt_cache_retention)) params.prompt_cache_retention = body.prompt_cache_retention;
  if (present(body.service_tier)) {
    params.service_tier = body.service_tier as NonNullable<
      ChatCompletionCreateParamsNonStreaming["service_tier"]
    >;
  }
  return params;
}

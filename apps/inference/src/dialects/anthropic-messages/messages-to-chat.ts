// Anthropic Messages request -> OpenAI Chat Completions request, for serving `POST /v1/messages`
// with a model that is not Anthropic's (OpenAI, OpenAI-compatible hosts). Pure: no I/O; a request
// that cannot be expressed for such a model is a GatewayError("invalid_request_error") naming the
// parameter, e.g. `tools[1]` or `messages[2].content[0]`.
//
// Decisions:
// - `thinking` (enabled/adaptive/disabled) is accepted and not forwarded, nor is
//   `output_config.effort`: the nearest Chat field, `reasoning_effort`, is a 400 on models that do
//   not reason (most OpenAI-compatible hosts), and reasoning models reason without being asked.
//   Claude Code sends `thinking` by default, so refusing it would refuse most of its requests.
//   `max_tokens` goes through unchanged (Anthropic counts thinking inside it too).
// - thinking and redacted_thinking blocks in the history are dropped: their text is signed for
//   Anthropic models and other models cannot read them.
// - Dropped without an equivalent: `top_k`, `service_tier`, `cache_control` (OpenAI caches
//   prefixes on its own), citation settings, a document's `context`.
// - Refused (400): Anthropic's server and built-in tools (`tools[i]` with a `type` such as
//   web_search_20250305 or bash_20250124: only Anthropic runs or defines them), `mcp_servers`,
//   blocks those tools leave in the history (server_tool_use, web_search_tool_result, ...),
//   images and documents by Anthropic file id, PDF documents by URL, and images or documents in an
//   assistant turn. Base64 PDFs become a `file` part (upstreams that do not read PDFs answer 400).
// - tool_result blocks become `tool` messages placed before the rest of that user turn, in order;
//   `is_error` shows as an "Error: " prefix of the tool message text. Images in a tool result (a
//   tool message can only hold text) move into the user message that follows, labelled with the
//   tool_use id.
// - `max_tokens` is sent as `max_tokens`; a caller serving an OpenAI target renames it to
//   `max_completion_tokens`, as the chat endpoint does. `stream` is left to the caller.
// - An assistant turn's text blocks are joined without a separator (as the reverse translation in
//   providers/anthropic does); a final assistant turn (Anthropic's prefill) is sent as history.
import type {
  TMessagesContentBlock,
  TMessagesDocumentBlock,
  TMessagesImageBlock,
  TMessagesMessage,
  TMessagesRequest,
  TMessagesSearchResultBlock,
  TMessagesTextBlock,
  TMessagesTool,
  TMessagesToolChoice,
  TMessagesToolResultBlock,
} from "@gw/contracts";
import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartImage,
  ChatCompletionContentPartText,
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import type { FunctionDefinition } from "openai/resources/shared";
import { GatewayError } from "../../errors.ts";
import type { ChatCompletionCreateParamsNonStreaming } from "../../providers/types.ts";

type UserPart =
  | ChatCompletionContentPartText
  | ChatCompletionContentPartImage
  | ChatCompletionContentPart.File;

function invalid(message: string, param: string): GatewayError {
  return new GatewayError("invalid_request_error", message, param);
}

const textPart = (text: string): ChatCompletionContentPartText => ({ type: "text", text });

const joinTexts = (blocks: readonly TMessagesTextBlock[], separator: string): string =>
  blocks
    .map((block) => block.text)
    .filter((text) => text !== "")
    .join(separator);

function imagePart(block: TMessagesImageBlock, param: string, model: string): ChatCompletionContentPartImage {
  const source = block.source;
  switch (source.type) {
    case "base64":
      return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    case "url":
      return { type: "image_url", image_url: { url: source.url } };
    default:
      throw invalid(
        `Images by Anthropic file id cannot be sent to \`${model}\`; send the image as base64 or a URL.`,
        `${param}.source`,
      );
  }
}

function documentParts(block: TMessagesDocumentBlock, param: string, model: string): UserPart[] {
  const source = block.source;
  const titled = (text: string) => [block.title, block.context, text].filter(Boolean).join("\n\n");
  switch (source.type) {
    case "base64":
      return [
        {
          type: "file",
          file: {
            file_data: `data:application/pdf;base64,${source.data}`,
            filename: block.title || "document.pdf",
          },
        },
      ];
    case "text":
      return [textPart(titled(source.data))];
    case "content": {
      if (typeof source.content === "string") return [textPart(titled(source.content))];
      const title = titled("");
      const parts: UserPart[] = title ? [textPart(title)] : [];
      source.content.forEach((inner, k) => {
        if (inner.type === "text") parts.push(textPart(inner.text));
        else parts.push(imagePart(inner, `${param}.source.content[${k}]`, model));
      });
      return parts;
    }
    case "url":
      throw invalid(
        `PDF documents by URL cannot be sent to \`${model}\`; send the document as base64.`,
        `${param}.source`,
      );
    default:
      throw invalid(
        `Documents by Anthropic file id cannot be sent to \`${model}\`; send the document as base64 or text.`,
        `${param}.source`,
      );
  }
}

function searchResultText(block: TMessagesSearchResultBlock): string {
  return [`${block.title} (${block.source})`, joinTexts(block.content, "\n")].join("\n\n");
}

function unsupportedBlock(type: string, param: string, model: string): GatewayError {
  return invalid(`Content blocks of type ${type} cannot be sent to \`${model}\`.`, param);
}

/** A tool_result as a tool message; its images and PDFs go to `media`, for the user message after. */
function toolMessage(
  block: TMessagesToolResultBlock,
  param: string,
  model: string,
  media: UserPart[],
): ChatCompletionToolMessageParam {
  const texts: string[] = [];
  const attached: UserPart[] = [];
  const content = block.content ?? "";
  if (typeof content === "string") texts.push(content);
  else {
    content.forEach((inner, k) => {
      const innerParam = `${param}.content[${k}]`;
      switch (inner.type) {
        case "text":
          texts.push(inner.text);
          break;
        case "image":
          attached.push(imagePart(inner, innerParam, model));
          break;
        case "document":
          for (const part of documentParts(inner, innerParam, model)) {
            if (part.type === "text") texts.push(part.text);
            else attached.push(part);
          }
          break;
        case "search_result":
          texts.push(searchResultText(inner));
          break;
        default:
          throw unsupportedBlock(inner.type, innerParam, model);
      }
    });
  }
  if (attached.length > 0) {
    media.push(textPart(`Attachments of the tool result for ${block.tool_use_id}:`), ...attached);
  }
  const text = texts.filter((piece) => piece !== "").join("\n");
  const shown = block.is_error ? (text ? `Error: ${text}` : "Error") : text;
  return { role: "tool", tool_call_id: block.tool_use_id, content: shown };
}

function userMessages(
  content: TMessagesMessage["content"],
  i: number,
  model: string,
): ChatCompletionMessageParam[] {
  if (typeof content === "string") return content ? [{ role: "user", content }] : [];
  const tools: ChatCompletionToolMessageParam[] = [];
  const media: UserPart[] = [];
  const parts: UserPart[] = [];
  content.forEach((block: TMessagesContentBlock, j) => {
    const param = `messages[${i}].content[${j}]`;
    switch (block.type) {
      case "text":
        if (block.text) parts.push(textPart(block.text));
        break;
      case "image":
        parts.push(imagePart(block, param, model));
        break;
      case "document":
        parts.push(...documentParts(block, param, model));
        break;
      case "search_result":
        parts.push(textPart(searchResultText(block)));
        break;
      case "tool_result":
        tools.push(toolMessage(block, param, model, media));
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        throw unsupportedBlock(block.type, param, model);
    }
  });
  const all = [...media, ...parts];
  const [only] = all;
  if (all.length === 0) return tools;
  const user: ChatCompletionMessageParam =
    all.length === 1 && only?.type === "text"
      ? { role: "user", content: only.text }
      : { role: "user", content: all };
  return [...tools, user];
}

function assistantMessages(
  content: TMessagesMessage["content"],
  i: number,
  model: string,
): ChatCompletionMessageParam[] {
  if (typeof content === "string") return content ? [{ role: "assistant", content }] : [];
  let text = "";
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  content.forEach((block: TMessagesContentBlock, j) => {
    switch (block.type) {
      case "text":
        text += block.text;
        break;
      case "tool_use":
        toolCalls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        throw unsupportedBlock(block.type, `messages[${i}].content[${j}]`, model);
    }
  });
  if (text === "" && toolCalls.length === 0) return []; // e.g. a turn of thinking only
  if (toolCalls.length === 0) return [{ role: "assistant", content: text }];
  return [{ role: "assistant", content: text === "" ? null : text, tool_calls: toolCalls }];
}

function chatMessages(body: TMessagesRequest, model: string): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  const system = typeof body.system === "string" ? body.system : joinTexts(body.system ?? [], "\n\n");
  if (system) messages.push({ role: "system", content: system });
  body.messages.forEach((message, i) => {
    switch (message.role) {
      case "system": {
        const text =
          typeof message.content === "string" ? message.content : joinTexts(message.content, "\n\n");
        if (text) messages.push({ role: "system", content: text });
        break;
      }
      case "user":
        messages.push(...userMessages(message.content, i, model));
        break;
      case "assistant":
        messages.push(...assistantMessages(message.content, i, model));
        break;
    }
  });
  return messages;
}

function chatTools(tools: readonly TMessagesTool[], model: string): ChatCompletionFunctionTool[] {
  return tools.map((tool, k) => {
    if (tool.type && tool.type !== "custom") {
      throw invalid(
        `\`${model}\` cannot use Anthropic's own tool \`${tool.type}\` (${tool.name}): only Anthropic models run it. Remove it or define a custom tool with an input_schema.`,
        `tools[${k}]`,
      );
    }
    const fn: FunctionDefinition = { name: tool.name, parameters: tool.input_schema ?? { type: "object" } };
    if (tool.description) fn.description = tool.description;
    if (tool.strict === true) fn.strict = true;
    return { type: "function", function: fn };
  });
}

function chatToolChoice(
  choice: TMessagesToolChoice | undefined,
  hasTools: boolean,
): { tool_choice?: ChatCompletionToolChoiceOption; parallel_tool_calls?: false } {
  if (!choice) return {};
  if (!hasTools) {
    if (choice.type === "any" || choice.type === "tool") {
      throw invalid(`tool_choice of type ${choice.type} requires tools.`, "tool_choice");
    }
    return {}; // Chat refuses tool_choice without tools; auto and none mean the same then.
  }
  const noParallel = choice.type !== "none" && choice.disable_parallel_tool_use === true;
  const parallel = noParallel ? { parallel_tool_calls: false as const } : {};
  switch (choice.type) {
    case "auto":
      return { tool_choice: "auto", ...parallel };
    case "any":
      return { tool_choice: "required", ...parallel };
    case "tool":
      return { tool_choice: { type: "function", function: { name: choice.name } }, ...parallel };
    default:
      return { tool_choice: "none" };
  }
}

/** The Chat Completions request for `model` that asks what `body` asks. */
export function messagesToChat(
  body: TMessagesRequest,
  model: string,
): ChatCompletionCreateParamsNonStreaming {
  const mcpServers = (body as { mcp_servers?: unknown }).mcp_servers;
  if (Array.isArray(mcpServers) && mcpServers.length > 0) {
    throw invalid(`\`${model}\` cannot use MCP servers: Anthropic's API connects them.`, "mcp_servers");
  }
  const params: ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: chatMessages(body, model),
    max_tokens: body.max_tokens,
  };
  const tools = chatTools(body.tools ?? [], model);
  if (tools.length > 0) params.tools = tools;
  Object.assign(params, chatToolChoice(body.tool_choice, tools.length > 0));

  const stop = (body.stop_sequences ?? []).filter((sequence) => sequence !== "");
  if (stop.length > 0) params.stop = stop;
  if (body.temperature !== undefined) params.temperature = body.temperature;
  if (body.top_p !== undefined) params.top_p = body.top_p;
  if (body.metadata?.user_id) params.user = body.metadata.user_id;

  const format = body.output_config?.format;
  if (format) {
    // Anthropic's structured output: no name or strictness to carry; OpenAI's strict mode would
    // refuse schemas Anthropic accepts, so it is left off.
    params.response_format = { type: "json_schema", json_schema: { name: "output", schema: format.schema } };
  }
  return params;
}

// OpenAI chat request -> Anthropic Messages request, for the API version `@anthropic-ai/sdk` 1.x sends
// (anthropic-version 2026-10-21). Pure: no I/O, throws AnthropicTranslationError for requests this
// upstream cannot serve (the adapter reports them as 400s naming `param`).
//
// What 2026-10-21 changed for us (Anthropic's "Migrating to API version 2026-10-21" guide):
// - `temperature`, `top_p` and `top_k` are removed: a request carrying any of them, even at the
//   default value, is a 400 ("Extra inputs are not permitted"). The SDK's types no longer have them.
//   We drop them (see DROPPED_FIELDS) rather than fail the request, since OpenAI clients send
//   `temperature` routinely and there is nothing to translate it into.
// - document blocks in assistant turns and non-empty `citations` on user text blocks are 400s: we
//   never produce either (assistant turns only carry text and tool_use; we send no citations).
import type {
  MessageCreateParamsBase,
  Tool,
  ToolChoice,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  ChatCompletionCreateParams,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import { AnthropicTranslationError, translateMessages } from "./anthropic-messages.ts";

export { AnthropicTranslationError } from "./anthropic-messages.ts";
/** The Messages body without `stream`; the adapter adds it. */
export type AnthropicMessageBody = Omit<MessageCreateParamsBase, "stream">;

export interface AnthropicRequestTranslation {
  body: AnthropicMessageBody;
  /** OpenAI fields present in the request that were dropped on purpose (see DROPPED_FIELDS). */
  dropped: string[];
}

/**
 * OpenAI fields with no place in an Anthropic 2026-10-21 request, dropped deliberately, with why.
 * `top_k` is not an OpenAI field, but some OpenAI clients send it as an extension.
 */
export const DROPPED_FIELDS: Readonly<Record<string, string>> = {
  temperature: "removed in anthropic-version 2026-10-21; any value, even the default, is a 400",
  top_p: "removed in anthropic-version 2026-10-21; any value, even the default, is a 400",
  top_k: "removed in anthropic-version 2026-10-21; any value, even the default, is a 400",
  frequency_penalty: "no Anthropic equivalent",
  presence_penalty: "no Anthropic equivalent",
  logit_bias: "no Anthropic equivalent",
  seed: "no Anthropic equivalent",
  logprobs: "Anthropic returns no log probabilities",
  top_logprobs: "Anthropic returns no log probabilities",
  reasoning_effort: "output_config.effort is model-dependent and not mapped",
  verbosity: "no Anthropic equivalent",
  service_tier: "OpenAI tiers do not map onto Anthropic's",
  store: "OpenAI stored completions",
  metadata: "OpenAI stored-completion tags, not Anthropic's metadata",
  prediction: "no Anthropic equivalent",
  prompt_cache_key: "Anthropic caches by cache_control breakpoints",
  prompt_cache_retention: "Anthropic caches by cache_control breakpoints",
  prompt_cache_options: "Anthropic caches by cache_control breakpoints",
  moderation: "no Anthropic equivalent",
  stream_options: "the adapter always reports usage",
};

/** Appended to `system` for response_format json_object: Anthropic has no schema-less JSON mode. */
export const JSON_OBJECT_INSTRUCTION =
  "Respond with a single valid JSON object and nothing else: no prose and no code fences.";

/**
 * max_tokens for requests that set none (Anthropic requires it). Below the models' ceilings on
 * purpose: Anthropic estimates output-token rate limits from max_tokens, while Claude 4+ models need
 * room for adaptive thinking, which counts toward it.
 */
export function defaultMaxTokens(model: string): number {
  const m = model.toLowerCase();
  if (/claude-3-5-/.test(m)) return 8192;
  if (/claude-3-7-/.test(m)) return 16384;
  if (/claude-3-/.test(m)) return 4096;
  if (/claude-(?:opus|sonnet|haiku|fable|mythos)-\d/.test(m) || /claude-\d/.test(m)) return 16384;
  return 4096;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function translateTools(tools: ChatCompletionTool[]): Tool[] {
  return tools.map((tool, k) => {
    if (tool.type !== "function") {
      throw new AnthropicTranslationError("Only function tools are supported.", `tools[${k}]`);
    }
    const fn = tool.function;
    const parameters = fn.parameters ?? {};
    if (parameters.type !== undefined && parameters.type !== "object") {
      throw new AnthropicTranslationError(
        "Tool parameters must be an object schema.",
        `tools[${k}].function.parameters`,
      );
    }
    const translated: Tool = {
      name: fn.name,
      input_schema: { properties: {}, ...parameters, type: "object" },
    };
    if (fn.description) translated.description = fn.description;
    // OpenAI strict = schema-guaranteed arguments = Anthropic strict tool use.
    if (fn.strict === true) translated.strict = true;
    return translated;
  });
}

function translateToolChoice(
  choice: ChatCompletionToolChoiceOption | undefined,
  tools: Tool[],
  parallel: boolean | undefined,
): { toolChoice?: ToolChoice; tools: Tool[] } {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (tools.length === 0) {
    if (choice === undefined || choice === "none" || choice === "auto") return { tools };
    throw new AnthropicTranslationError("tool_choice requires tools.", "tool_choice");
  }
  if (choice === undefined)
    return parallel === false ? { tools, toolChoice: { type: "auto", ...noParallel } } : { tools };
  if (choice === "none") return { tools, toolChoice: { type: "none" } };
  if (choice === "auto") return { tools, toolChoice: { type: "auto", ...noParallel } };
  if (choice === "required") return { tools, toolChoice: { type: "any", ...noParallel } };
  if (choice.type === "function") {
    return { tools, toolChoice: { type: "tool", name: choice.function.name, ...noParallel } };
  }
  if (choice.type === "allowed_tools") {
    // Restrict the tool list to the allowed ones; mode auto/required as above.
    const names = new Set(
      choice.allowed_tools.tools.map((entry) => {
        const fn = entry.function as { name?: unknown } | undefined;
        if (typeof fn?.name !== "string") {
          throw new AnthropicTranslationError("allowed_tools entries must name a function.", "tool_choice");
        }
        return fn.name;
      }),
    );
    const allowed = tools.filter((tool) => names.has(tool.name));
    const type = choice.allowed_tools.mode === "required" ? "any" : "auto";
    return { tools: allowed, toolChoice: { type, ...noParallel } };
  }
  throw new AnthropicTranslationError("Custom tool choices are not supported.", "tool_choice");
}

function rejectUnsupported(params: ChatCompletionCreateParams): void {
  if (typeof params.n === "number" && params.n > 1) {
    throw new AnthropicTranslationError("Anthropic models return one choice; n must be 1.", "n");
  }
  if (present(params.audio) || params.modalities?.includes("audio")) {
    throw new AnthropicTranslationError(
      "Audio output is not supported.",
      present(params.audio) ? "audio" : "modalities",
    );
  }
  if (present(params.functions)) {
    throw new AnthropicTranslationError("Legacy functions are not supported; use tools.", "functions");
  }
  if (present(params.function_call)) {
    throw new AnthropicTranslationError(
      "Legacy function_call is not supported; use tool_choice.",
      "function_call",
    );
  }
  if (present(params.web_search_options)) {
    throw new AnthropicTranslationError("web_search_options is not supported.", "web_search_options");
  }
}

export function toAnthropicRequest(params: ChatCompletionCreateParams): AnthropicRequestTranslation {
  rejectUnsupported(params);
  const raw = params as unknown as Record<string, unknown>;
  const dropped = Object.keys(DROPPED_FIELDS).filter((field) => present(raw[field]));
  const { system, messages } = translateMessages(params);

  const body: AnthropicMessageBody = {
    model: params.model,
    messages,
    max_tokens: params.max_completion_tokens ?? params.max_tokens ?? defaultMaxTokens(params.model),
  };

  const format = params.response_format;
  if (format?.type === "json_schema") {
    // Structured outputs: Anthropic's format carries the schema only (name/description/strict
    // have no counterpart; the output is always held to the schema).
    const schema = format.json_schema.schema;
    if (!schema) {
      throw new AnthropicTranslationError("A JSON schema is required.", "response_format.json_schema.schema");
    }
    body.output_config = { format: { type: "json_schema", schema } };
  } else if (format?.type === "json_object") {
    system.push(JSON_OBJECT_INSTRUCTION);
  }
  if (system.length > 0) body.system = system.join("\n\n");

  const { tools, toolChoice } = translateToolChoice(
    params.tool_choice,
    translateTools(params.tools ?? []),
    params.parallel_tool_calls,
  );
  if (tools.length > 0) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;

  const stop = typeof params.stop === "string" ? [params.stop] : (params.stop ?? []);
  const stopSequences = stop.filter((sequence) => sequence.length > 0);
  if (stopSequences.length > 0) body.stop_sequences = stopSequences;

  const userId = params.safety_identifier ?? params.user;
  if (userId) body.metadata = { user_id: userId };

  return { body, dropped };
}

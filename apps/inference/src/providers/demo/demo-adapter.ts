// The built-in demo provider: lets a newcomer's first request work with no provider key.
// Deterministic text, honest token counts from a real tokenizer, streamed token by token.
import { createHash } from "node:crypto";
import {
  contentText,
  countChatPromptTokens,
  countTextTokens,
  decode,
  encode,
} from "../../tokens/tokenizer.ts";
import type {
  CallOptions,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  CreateEmbeddingResponse,
  EmbeddingCreateParams,
  ProviderAdapter,
} from "../types.ts";

export const DEMO_CHAT_MODEL = "demo-chat";
export const DEMO_EMBED_MODEL = "demo-embed";
const EMBEDDING_DIMENSIONS = 256;

export interface DemoOptions {
  /** Pause between streamed tokens, like a real model (0 in tests). */
  tokenDelayMs: number;
}

type ChatParams = ChatCompletionCreateParamsNonStreaming | ChatCompletionCreateParamsStreaming;

function replyText(params: ChatParams): string {
  const lastUser = [...params.messages].reverse().find((m) => m.role === "user");
  const said = contentText(lastUser?.content).replace(/\s+/g, " ").trim();
  const quoted = said.length > 200 ? `${said.slice(0, 200)}…` : said;
  return (
    `Hello from the demo model of your LLM gateway. You said: "${quoted}". ` +
    "Add a provider key (OPENAI_API_KEY, ANTHROPIC_API_KEY, NEBIUS_API_KEY, ...) to reach real models."
  );
}

interface Plan {
  tokens: number[];
  finishReason: "stop" | "length" | "tool_calls";
  toolCall?: { id: string; name: string; arguments: string };
  promptTokens: number;
}

function plan(params: ChatParams): Plan {
  const promptTokens = countChatPromptTokens(params);
  const choice = params.tool_choice;
  const forced =
    choice && typeof choice === "object" && choice.type === "function"
      ? choice.function.name
      : choice === "required" && params.tools?.[0]?.type === "function"
        ? params.tools[0].function.name
        : undefined;
  if (forced) {
    const args = "{}";
    const id = `call_${createHash("sha256").update(JSON.stringify(params.messages)).digest("hex").slice(0, 24)}`;
    return {
      tokens: encode(args),
      finishReason: "tool_calls",
      toolCall: { id, name: forced, arguments: args },
      promptTokens,
    };
  }
  const all = encode(replyText(params));
  const cap = params.max_completion_tokens ?? params.max_tokens ?? undefined;
  const tokens = cap !== undefined && cap !== null && cap < all.length ? all.slice(0, cap) : all;
  return { tokens, finishReason: tokens.length < all.length ? "length" : "stop", promptTokens };
}

function completionId(params: ChatParams): string {
  return `chatcmpl-demo${createHash("sha256").update(JSON.stringify(params.messages)).digest("hex").slice(0, 20)}`;
}

function usage(p: Plan) {
  return {
    prompt_tokens: p.promptTokens,
    completion_tokens: p.tokens.length,
    total_tokens: p.promptTokens + p.tokens.length,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export function createDemoAdapter(options: DemoOptions): ProviderAdapter {
  return {
    id: "demo",
    kind: "demo",

    async chat(params: ChatCompletionCreateParamsNonStreaming, call: CallOptions): Promise<ChatCompletion> {
      const p = plan(params);
      // A real model takes time to generate, streamed or not.
      await pause(options.tokenDelayMs * p.tokens.length, call.signal);
      return {
        id: completionId(params),
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: params.model,
        choices: [
          {
            index: 0,
            message: p.toolCall
              ? {
                  role: "assistant",
                  content: null,
                  refusal: null,
                  tool_calls: [
                    {
                      id: p.toolCall.id,
                      type: "function",
                      function: { name: p.toolCall.name, arguments: p.toolCall.arguments },
                    },
                  ],
                }
              : { role: "assistant", content: decode(p.tokens), refusal: null },
            finish_reason: p.finishReason,
            logprobs: null,
          },
        ],
        usage: usage(p),
      };
    },

    async chatStream(params: ChatCompletionCreateParamsStreaming, call: CallOptions) {
      const p = plan(params);
      const base = {
        id: completionId(params),
        object: "chat.completion.chunk" as const,
        created: Math.floor(Date.now() / 1000),
        model: params.model,
      };
      const chunk = (
        delta: ChatCompletionChunk.Choice.Delta,
        finish: Plan["finishReason"] | null = null,
      ): ChatCompletionChunk => ({
        ...base,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      });
      async function* stream(): AsyncGenerator<ChatCompletionChunk> {
        if (p.toolCall) {
          yield chunk({
            role: "assistant",
            content: null,
            tool_calls: [
              {
                index: 0,
                id: p.toolCall.id,
                type: "function",
                function: { name: p.toolCall.name, arguments: "" },
              },
            ],
          });
          yield chunk({ tool_calls: [{ index: 0, function: { arguments: p.toolCall.arguments } }] });
        } else {
          yield chunk({ role: "assistant", content: "" });
          for (const token of p.tokens) {
            await pause(options.tokenDelayMs, call.signal);
            if (call.signal.aborted) return;
            yield chunk({ content: decode([token]) });
          }
        }
        yield chunk({}, p.finishReason);
        yield { ...base, choices: [], usage: usage(p) };
      }
      return stream();
    },

    async embeddings(params: EmbeddingCreateParams): Promise<CreateEmbeddingResponse> {
      const inputs = typeof params.input === "string" ? [params.input] : (params.input as unknown[]);
      let promptTokens = 0;
      const data = inputs.map((input, index) => {
        const text = typeof input === "string" ? input : JSON.stringify(input);
        promptTokens += typeof input === "string" ? countTextTokens(text) : (input as unknown[]).length;
        const vector: number[] = [];
        for (let block = 0; vector.length < EMBEDDING_DIMENSIONS; block++) {
          const digest = createHash("sha256").update(`${block}:${text}`).digest();
          for (const byte of digest) vector.push(byte / 127.5 - 1);
        }
        const norm = Math.hypot(...vector);
        const embedding = vector.map((v) => v / norm);
        return {
          object: "embedding" as const,
          index,
          embedding:
            params.encoding_format === "base64"
              ? (Buffer.from(new Float32Array(embedding).buffer).toString("base64") as unknown as number[])
              : embedding,
        };
      });
      return {
        object: "list",
        data,
        model: params.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      };
    },

    async listModels() {
      return [DEMO_CHAT_MODEL, DEMO_EMBED_MODEL];
    },
  };
}

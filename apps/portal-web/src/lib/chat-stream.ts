// Streams a chat completion from the gateway's /v1 API with the user's key: fetch + SSE parsing,
// each token handed over as it arrives. Errors carry the gateway's own message (OpenAI envelope).
import { EventSourceParserStream } from "eventsource-parser/stream";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface StreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

export interface StreamResult {
  content: string;
  usage: StreamUsage | undefined;
  requestId: string | null;
  provider: string | null;
}

export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: StreamUsage | null;
  error?: { message?: string };
}

async function refusal(response: Response): Promise<GatewayError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) return new GatewayError(body.error.message, response.status);
  } catch {
    // not the OpenAI envelope: fall through to the status line
  }
  return new GatewayError(
    `The gateway answered ${response.status} ${response.statusText}`.trim(),
    response.status,
  );
}

/** The `data:` payloads of an SSE body, one per event (eventsource-parser does the framing). */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    if (value.data) yield value.data;
  }
}

export async function streamChat(options: {
  baseUrl: string;
  apiKey: string;
  model: string;
  messages: ChatMessage[];
  signal?: AbortSignal;
  onToken: (text: string) => void;
}): Promise<StreamResult> {
  let response: Response;
  try {
    response = await fetch(`${options.baseUrl.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: options.model,
        messages: options.messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new GatewayError(
      `Could not reach the gateway at ${options.baseUrl}. Is the inference service running, and does its ALLOWED_ORIGINS include this page's origin?`,
      undefined,
    );
  }
  if (!response.ok || !response.body) throw await refusal(response);
  const result: StreamResult = {
    content: "",
    usage: undefined,
    requestId: response.headers.get("x-request-id"),
    provider: response.headers.get("x-gateway-provider"),
  };
  let finished = false;
  for await (const data of sseData(response.body)) {
    if (data === "[DONE]") {
      finished = true;
      break;
    }
    const chunk = JSON.parse(data) as Chunk;
    if (chunk.error) throw new GatewayError(chunk.error.message ?? "The stream failed.", undefined);
    const text = chunk.choices?.[0]?.delta?.content;
    if (text) {
      result.content += text;
      options.onToken(text);
    }
    if (chunk.usage) result.usage = chunk.usage;
  }
  if (!finished) throw new GatewayError("The stream ended before the reply was complete.", undefined);
  return result;
}

// The stream relay of OpenAI's chunked endpoints (chat completions, legacy completions): each chunk
// as a `data:` frame (as the upstream's JSON text when it came as such), the usage chunk only when
// the client asked for it, `data: [DONE]` after a complete stream and the error envelope as the last
// event after a failure (never a fake DONE).
import { type ChatUsageFields, usageFromChat } from "../../dialects/usage-fields.ts";
import type { GatewayError } from "../../errors.ts";
import type { TokenUsage } from "../../metering/pricing/cost.ts";
import { rawJsonOf } from "../../providers/sse-json.ts";
import { countTextTokens } from "../../tokens/tokenizer.ts";
import type { StreamRelay } from "../endpoint.ts";

interface OpenAIChunk {
  choices: readonly unknown[];
  usage?: ChatUsageFields | null | undefined;
}

export class OpenAIChunkRelay<Chunk extends OpenAIChunk> implements StreamRelay<Chunk> {
  usage: TokenUsage | undefined;
  private readonly pieces: string[] = [];

  constructor(
    /** Whether the client sees the usage chunk (`stream_options.include_usage`). */
    private readonly showUsage: boolean,
    /** Appends the chunk's output text (content, tool calls) to `pieces`, for the gateway's count. */
    private readonly collect: (pieces: string[], chunk: Chunk) => void,
  ) {}

  frame(chunk: Chunk): string | undefined {
    if (chunk.usage) this.usage = usageFromChat(chunk.usage);
    this.collect(this.pieces, chunk);
    if (chunk.choices.length === 0 && !this.showUsage) return undefined;
    return `data: ${rawJsonOf(chunk) ?? JSON.stringify(chunk)}\n\n`;
  }

  outputTokens(): number {
    return countTextTokens(this.pieces.join(""));
  }

  end(error: GatewayError | undefined): string {
    return error === undefined ? "data: [DONE]\n\n" : `data: ${JSON.stringify(error.envelope())}\n\n`;
  }
}

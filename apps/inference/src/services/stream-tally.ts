import type { ChatCompletionChunk } from "../providers/types.ts";
import { countTextTokens } from "../tokens/tokenizer.ts";

/**
 * What a stream carried, for billing: the upstream's usage chunk when it came, otherwise the
 * streamed text and tool-call arguments, counted with the tokenizer only if needed.
 */
export class StreamTally {
  usage: ChatCompletionChunk["usage"] = undefined;
  private readonly pieces: string[] = [];

  add(chunk: ChatCompletionChunk): void {
    if (chunk.usage) this.usage = chunk.usage;
    const delta = chunk.choices[0]?.delta;
    if (!delta) return;
    if (delta.content) this.pieces.push(delta.content);
    if (delta.tool_calls) {
      for (const call of delta.tool_calls) {
        if (call.function?.name) this.pieces.push(call.function.name);
        if (call.function?.arguments) this.pieces.push(call.function.arguments);
      }
    }
  }

  estimateOutputTokens(): number {
    return countTextTokens(this.pieces.join(""));
  }
}

// What the benchmark sends: one small chat request, non-stream and stream (with usage), the same
// to the gateway and, for the baseline, to the mock directly.
export const MODEL = "gpt-4o-mini";
/** Content chunks per completion from the mock (plus role, finish and usage frames on streams). */
export const CHUNKS = 20;
/** Requests with this `user` are streamed slowly by the mock, to hold many streams open. */
export const HOLD_USER = "bench-hold";

const messages = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Write one short sentence about benchmarks." },
];

export type Kind = "nonstream" | "stream";

export function chatBody(kind: Kind, user?: string): string {
  return JSON.stringify({
    model: MODEL,
    messages,
    // A cap keeps each request's token reservation small (the gateway injects 8192 otherwise).
    max_tokens: 256,
    ...(kind === "stream" ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...(user ? { user } : {}),
  });
}

export const CHAT_PATH = "/v1/chat/completions";

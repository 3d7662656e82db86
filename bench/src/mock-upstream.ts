// The benchmark's upstream, in a process of its own: the tests' mock OpenAI server
// (apps/inference/test/support/mock-openai.ts), zero delay, 20 content chunks per completion and a
// usage chunk when asked, nothing recorded. Requests whose `user` is HOLD_USER are streamed slowly
// (HOLD_CHUNK_MS between chunks) so that many streams are open at once.
// Prints one JSON line `{"url": ...}` when listening.
import { startMockOpenAI } from "../../apps/inference/test/support/mock-openai.ts";
import { CHUNKS, HOLD_USER } from "./requests.ts";

const holdChunkMs = Number(process.env.HOLD_CHUNK_MS ?? 300);
const fast = { chunks: CHUNKS };
const slow = { chunks: CHUNKS, chunkDelayMs: holdChunkMs };

const mock = await startMockOpenAI({
  record: false,
  behavior: (request) => (request.body.user === HOLD_USER ? slow : fast),
});
process.stdout.write(`${JSON.stringify({ url: mock.url })}\n`);
const close = () => {
  mock.close().finally(() => process.exit(0));
};
process.once("SIGTERM", close);
process.once("SIGINT", close);

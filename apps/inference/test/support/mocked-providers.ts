// A gateway whose OpenAI, Anthropic and OpenAI-compatible (nebius) providers are the local mock
// upstreams, configured through env like production: what the dialect end-to-end tests run against.
import { startGateway, type TestGateway } from "./gateway.ts";
import { type MockAnthropic, startMockAnthropic } from "./mock-anthropic.ts";
import { type MockOpenAI, startMockOpenAI } from "./mock-openai.ts";

export interface MockedProviders {
  gw: TestGateway;
  anthropic: MockAnthropic;
  openai: MockOpenAI;
  /** Back to the mocks' default behaviour. */
  reset(): void;
  close(): Promise<void>;
}

export async function startWithMockedProviders(): Promise<MockedProviders> {
  const anthropic = await startMockAnthropic();
  const openai = await startMockOpenAI();
  const gw = await startGateway({
    ANTHROPIC_API_KEY: "sk-ant-test-secret",
    ANTHROPIC_BASE_URL: anthropic.url,
    OPENAI_API_KEY: "sk-openai-test-secret",
    OPENAI_BASE_URL: openai.url,
    // An OpenAI-compatible host (Chat Completions only), served by the same mock.
    NEBIUS_API_KEY: "nebius-test-secret",
    NEBIUS_BASE_URL: openai.url,
  });
  return {
    gw,
    anthropic,
    openai,
    reset() {
      anthropic.setBehavior(undefined);
      openai.setBehavior(undefined);
    },
    async close() {
      await gw.close();
      await anthropic.close();
      await openai.close();
    },
  };
}

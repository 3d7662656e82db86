// The server's provider-kind table: every kind the database knows builds its own adapter, defaults to
// the official API the portal shows, and names its SDK's errors without loading a lazy SDK.
import { providerKinds, ZProviderKind } from "@gw/contracts";
import * as OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { loadAnthropicSdk } from "../../src/providers/anthropic/anthropic-sdk.ts";
import { kinds } from "../../src/providers/kinds.ts";

const options = {
  id: "mine",
  apiKey: "sk-test",
  baseURL: "http://127.0.0.1:9/v1",
  defaultTimeoutMs: 1000,
  fetch: globalThis.fetch,
};

describe("kinds", () => {
  // First: creating an Anthropic adapter loads its SDK.
  it("names the openai SDK's errors, and Anthropic's only once its SDK is loaded", async () => {
    expect(kinds.openai.sdkErrors()?.APIError).toBe(OpenAI.APIError);
    expect(kinds.openai_compatible.sdkErrors()?.APIError).toBe(OpenAI.APIError);
    expect(kinds.anthropic.sdkErrors()).toBeUndefined();
    const sdk = await loadAnthropicSdk();
    expect(kinds.anthropic.sdkErrors()?.APIError).toBe(sdk.APIError);
    expect(kinds.anthropic.sdkErrors()?.APIUserAbortError).toBe(sdk.APIUserAbortError);
  });

  it.each(ZProviderKind.options)("%s builds an adapter of its kind with the given id", (kind) => {
    const adapter = kinds[kind].createAdapter(options);
    expect(adapter).toMatchObject({ id: "mine", kind });
    expect(kinds[kind].defaultBaseUrl).toBe(providerKinds[kind].defaultBaseUrl);
  });
});

// `@anthropic-ai/sdk` is loaded only when an Anthropic provider is created (about 40 MB of the
// process' memory; a gateway without Anthropic providers never needs it). Error classification
// (../upstream-errors.ts) asks for the module only if it is loaded: no error can come from it before.
import type * as AnthropicSdk from "@anthropic-ai/sdk";

export type AnthropicModule = typeof AnthropicSdk;

let loaded: AnthropicModule | undefined;
let loading: Promise<AnthropicModule> | undefined;

/** Loads the SDK once (the same module instance as a static import of it). */
export function loadAnthropicSdk(): Promise<AnthropicModule> {
  loading ??= import("@anthropic-ai/sdk").then((sdk) => {
    loaded = sdk;
    return sdk;
  });
  return loading;
}

/** The SDK when something has loaded it, else undefined. */
export function loadedAnthropicSdk(): AnthropicModule | undefined {
  return loaded;
}

// Every wire format the gateway speaks to an upstream, in one table: how to build a provider's
// adapter, the official API it defaults to (from @gw/contracts' providerKinds, which the portal
// shows) and the error classes its SDK throws (for upstream-errors.ts). A new wire format is a row
// here plus its adapter folder. The built-in demo provider is no kind: it has no key, URL or SDK.
import { providerKinds, type TProviderKind } from "@gw/contracts";
import * as OpenAI from "openai";
import { createAnthropicAdapter } from "./anthropic/anthropic-adapter.ts";
import { loadedAnthropicSdk } from "./anthropic/anthropic-sdk.ts";
import { createOpenAICompatibleAdapter } from "./openai-compatible/openai-compatible-adapter.ts";
import type { ProviderAdapter } from "./types.ts";

/** What a provider's adapter is built from, whatever its kind. */
export interface AdapterOptions {
  /** Registry id, also the provider name in error messages. */
  id: string;
  apiKey: string;
  /** The provider's API root: its own, or the kind's defaultBaseUrl. */
  baseURL: string;
  /** Used when a call brings no timeout of its own. */
  defaultTimeoutMs: number;
  fetch: typeof fetch;
  /** Sent with every request; `null` removes a header the SDK would send. */
  defaultHeaders?: Record<string, string | null>;
}

type ErrorClass<T extends Error = Error> = abstract new (...args: never[]) => T;

/** An error the upstream's API answered: with a status, or as an error event inside a stream. */
export interface SdkApiError extends Error {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  /** The parsed error body. */
  readonly error: unknown;
}

/** The error classes of a Stainless-generated SDK (`openai`, `@anthropic-ai/sdk`). */
export interface SdkErrorClasses {
  APIError: ErrorClass<SdkApiError>;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIUserAbortError: ErrorClass;
}

export interface ProviderKindSpec {
  createAdapter(options: AdapterOptions): ProviderAdapter;
  /** The official API, or null when a provider of this kind must bring its own base URL. */
  defaultBaseUrl: string | null;
  /** The error classes its adapters can throw; undefined while its SDK is not loaded (nothing can
   *  have thrown them yet). Asking never loads an SDK. */
  sdkErrors(): SdkErrorClasses | undefined;
}

export const kinds: Record<TProviderKind, ProviderKindSpec> = {
  openai: {
    createAdapter: (options) => createOpenAICompatibleAdapter({ ...options, kind: "openai" }),
    defaultBaseUrl: providerKinds.openai.defaultBaseUrl,
    sdkErrors: () => OpenAI,
  },
  openai_compatible: {
    createAdapter: (options) => createOpenAICompatibleAdapter({ ...options, kind: "openai_compatible" }),
    defaultBaseUrl: providerKinds.openai_compatible.defaultBaseUrl,
    sdkErrors: () => OpenAI,
  },
  anthropic: {
    createAdapter: createAnthropicAdapter,
    defaultBaseUrl: providerKinds.anthropic.defaultBaseUrl,
    // Loaded with the first Anthropic adapter only (anthropic-sdk.ts): about 40 MB saved without one.
    sdkErrors: loadedAnthropicSdk,
  },
};

// What the platform knows about each provider kind (the wire format a provider speaks), in one
// place for the servers and the portal: how to name it, its official API and whether a provider of
// that kind needs a base URL of its own. A new kind is a value of ZProviderKind plus a row here
// (and, in the inference service, a row of providers/kinds.ts with its adapter).
import type { TProviderKind } from "./enums.ts";

export interface ProviderKindInfo {
  /** How the portal names the kind. */
  label: string;
  /** Example hosts shown next to the label where a kind is picked; null when the label says it all. */
  examples: string | null;
  /** The official API (with its version prefix where the SDK wants one), or null when there is none. */
  defaultBaseUrl: string | null;
  /** True when a provider of this kind cannot work without a base URL of its own. */
  baseUrlRequired: boolean;
}

/** Every provider kind, in the order the portal offers them. */
export const providerKinds = {
  openai_compatible: {
    label: "OpenAI-compatible",
    examples: "vLLM, Ollama, Together, …",
    defaultBaseUrl: null,
    baseUrlRequired: true,
  },
  openai: {
    label: "OpenAI",
    examples: null,
    defaultBaseUrl: "https://api.openai.com/v1",
    baseUrlRequired: false,
  },
  anthropic: {
    label: "Anthropic",
    examples: null,
    defaultBaseUrl: "https://api.anthropic.com",
    baseUrlRequired: false,
  },
} as const satisfies Record<TProviderKind, ProviderKindInfo>;

/**
 * Why a provider of `kind` without a base URL is refused: "an OpenAI-compatible provider needs a
 * base URL" in a form field's style, "An OpenAI-compatible provider needs a base URL." as a sentence.
 */
export function missingBaseUrlMessage(kind: TProviderKind, style: "field" | "sentence" = "field"): string {
  const label = providerKinds[kind].label;
  const article = /^[aeiou]/i.test(label) ? "an" : "a";
  const message = `${article} ${label} provider needs a base URL`;
  return style === "field" ? message : `${message[0]!.toUpperCase()}${message.slice(1)}.`;
}

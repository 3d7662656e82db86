// Portal providers procedures (an organization's own providers, BYOK): inputs and outputs. Every
// input also carries `orgId` (added by the org procedure). The API key goes in, never comes out:
// a provider is shown with the last four characters of its key only.
import { z } from "zod";
import { type TProviderKind, ZProviderKind, ZProviderStatus } from "../enums.ts";
import { missingBaseUrlMessage, providerKinds } from "../provider-kinds.ts";

/** Also the prefix of its models in requests (`<name>/<model>`), so the inference service's rule. */
export const ZProviderName = z
  .string()
  .trim()
  .max(40, "use at most 40 characters")
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    "use lowercase letters, digits, - and _, starting with a letter or digit (models are called <name>/<model>)",
  );

/** Required for a kind without an official API (openai_compatible); else an optional override of it. */
export const ZProviderBaseUrl = z
  .url({ error: "enter a URL such as https://api.example.com/v1" })
  .max(500, "use at most 500 characters");

export const ZProviderApiKey = z
  .string()
  .trim()
  .min(1, "enter the provider's API key")
  .max(500, "use at most 500 characters");

/** Model ids the provider serves for this org; duplicates are dropped. */
export const ZProviderModels = z
  .array(
    z
      .string()
      .trim()
      .min(1, "a model id cannot be empty")
      .max(200, "use at most 200 characters")
      .regex(/^\S+$/, "a model id has no spaces"),
  )
  .max(100, "list at most 100 models")
  .transform((models) => [...new Set(models)]);

/** For `.superRefine`: a provider of a kind that needs a base URL (providerKinds) has one. */
export function checkProviderBaseUrl(
  input: { kind: TProviderKind; baseUrl?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (providerKinds[input.kind].baseUrlRequired && input.baseUrl === undefined) {
    ctx.addIssue({ code: "custom", path: ["baseUrl"], message: missingBaseUrlMessage(input.kind) });
  }
}

export const ZCreateProviderInput = z
  .object({
    name: ZProviderName,
    kind: ZProviderKind,
    baseUrl: ZProviderBaseUrl.optional(),
    apiKey: ZProviderApiKey,
    models: ZProviderModels.default([]),
  })
  .superRefine(checkProviderBaseUrl);
export type TCreateProviderInput = z.input<typeof ZCreateProviderInput>;

export const ZProviderIdInput = z.object({ providerId: z.uuid() });

export const ZUpdateProviderInput = z.object({
  providerId: z.uuid(),
  name: ZProviderName.optional(),
  /** null: back to the official API (kinds that have one: providerKinds). */
  baseUrl: ZProviderBaseUrl.nullable().optional(),
  /** A new key replaces the stored one. */
  apiKey: ZProviderApiKey.optional(),
  models: ZProviderModels.optional(),
  status: z.enum(["active", "disabled"]).optional(),
});
export type TUpdateProviderInput = z.input<typeof ZUpdateProviderInput>;

/** Test credentials before saving them. */
export const ZTestNewProviderInput = z
  .object({
    kind: ZProviderKind,
    baseUrl: ZProviderBaseUrl.optional(),
    apiKey: ZProviderApiKey,
  })
  .superRefine(checkProviderBaseUrl);
export type TTestNewProviderInput = z.input<typeof ZTestNewProviderInput>;

export const ZProvider = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: ZProviderKind,
  /** null: the kind's official API. */
  baseUrl: z.string().nullable(),
  /** The end of the key, e.g. "…abcd". */
  keyLast4: z.string(),
  models: z.array(z.string()),
  /** error: the last test failed; such a provider serves no requests until it passes or is edited. */
  status: ZProviderStatus,
  lastTestedAt: z.date().nullable(),
  /** The gateway's words on the last failed test. */
  lastError: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type TProvider = z.infer<typeof ZProvider>;

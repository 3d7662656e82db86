// The provider-kind table covers every kind, and the base-URL rule of the portal's inputs follows it.
import { describe, expect, it } from "vitest";
import {
  missingBaseUrlMessage,
  providerKinds,
  ZCreateProviderInput,
  ZProviderKind,
  ZTestNewProviderInput,
} from "../src/index.ts";

describe("providerKinds", () => {
  it("has one row per ZProviderKind value", () => {
    expect(Object.keys(providerKinds).sort()).toEqual([...ZProviderKind.options].sort());
  });

  it.each(Object.entries(providerKinds))(
    "%s needs a base URL exactly when it has no official API",
    (_, info) => {
      expect(info.baseUrlRequired).toBe(info.defaultBaseUrl === null);
      if (info.defaultBaseUrl !== null) expect(new URL(info.defaultBaseUrl).protocol).toBe("https:");
    },
  );

  it("words the missing base URL for a form field and as a sentence", () => {
    expect(missingBaseUrlMessage("openai_compatible")).toBe("an OpenAI-compatible provider needs a base URL");
    expect(missingBaseUrlMessage("openai_compatible", "sentence")).toBe(
      "An OpenAI-compatible provider needs a base URL.",
    );
  });
});

describe("the base URL of a new provider", () => {
  const input = { name: "mine", apiKey: "sk-test" };

  it.each([ZCreateProviderInput, ZTestNewProviderInput])(
    "is required by the kinds that need one",
    (schema) => {
      const missing = schema.safeParse({ ...input, kind: "openai_compatible" });
      expect(missing.success).toBe(false);
      expect(missing.error?.issues).toEqual([
        expect.objectContaining({
          path: ["baseUrl"],
          message: "an OpenAI-compatible provider needs a base URL",
        }),
      ]);
      expect(schema.safeParse({ ...input, kind: "openai" }).success).toBe(true);
      expect(schema.safeParse({ ...input, kind: "anthropic" }).success).toBe(true);
      expect(
        schema.safeParse({ ...input, kind: "openai_compatible", baseUrl: "https://api.example.com/v1" })
          .success,
      ).toBe(true);
    },
  );
});

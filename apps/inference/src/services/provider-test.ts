// Checks a bring-your-own provider's credentials and base URL from the inference side: list its
// models with a short deadline. The provider's own error text never comes back raw.

import { missingBaseUrlMessage, type TProviderTestResult, type ZProviderTestInput } from "@gw/contracts";
import { assertPublicUrl, createGuardedFetch, UnsafeUrlError } from "@gw/server-kit";
import type { z } from "zod";
import { kinds } from "../providers/kinds.ts";
import { UpstreamError } from "../providers/types.ts";

const TEST_TIMEOUT_MS = 10_000;

export async function testProvider(
  input: z.output<typeof ZProviderTestInput>,
  options: { allowPrivateHosts: boolean },
): Promise<TProviderTestResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const kind = kinds[input.kind];
  const baseUrl = input.baseUrl ?? kind.defaultBaseUrl;
  if (!baseUrl) {
    return { ok: false, models: [], error: missingBaseUrlMessage(input.kind, "sentence"), latencyMs: 0 };
  }
  try {
    await assertPublicUrl(baseUrl, { allowPrivate: options.allowPrivateHosts });
    // Checked again when connecting (DNS may change), and redirects are refused.
    const guarded = createGuardedFetch({ allowPrivate: options.allowPrivateHosts });
    const adapter = kind.createAdapter({
      id: "byok-test",
      apiKey: input.apiKey,
      baseURL: baseUrl,
      defaultTimeoutMs: TEST_TIMEOUT_MS,
      fetch: guarded,
    });
    const models = await adapter.listModels!({
      signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
      timeoutMs: TEST_TIMEOUT_MS,
    });
    return { ok: true, models: models.slice(0, 500), error: null, latencyMs: elapsed() };
  } catch (error) {
    const message =
      error instanceof UnsafeUrlError
        ? error.message
        : error instanceof UpstreamError
          ? error.kind === "auth"
            ? "The provider refused the API key."
            : error.kind === "timeout"
              ? "The provider did not answer within 10 seconds."
              : error.kind === "connection"
                ? "Could not connect to the provider."
                : `The provider answered with an error (${error.details.status ?? error.kind}).`
          : "The provider could not be reached.";
    return { ok: false, models: [], error: message, latencyMs: elapsed() };
  }
}

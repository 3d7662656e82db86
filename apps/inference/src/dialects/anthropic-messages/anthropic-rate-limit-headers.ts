// The key's rate-limit headers as Anthropic names them (`anthropic-ratelimit-requests-limit`,
// `-remaining`, `-reset` as an RFC 3339 time, and the same for tokens), next to OpenAI's
// `x-ratelimit-*` ones the metering produces (their resets are durations: "1m2.5s", "20ms").

const DIMENSIONS = ["requests", "tokens"] as const;

/** A duration as OpenAI writes it in x-ratelimit-reset-* (formatRateLimitDuration), in ms. */
export function parseRateLimitDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(text);
  if (!match || text === "") return undefined;
  const [, hours = "0", minutes = "0", seconds = "0", millis = "0"] = match;
  return Number(hours) * 3_600_000 + Number(minutes) * 60_000 + Number(seconds) * 1000 + Number(millis);
}

/** `headers` with Anthropic's rate-limit headers added for each x-ratelimit-* dimension present. */
export function withAnthropicRateLimitHeaders(
  headers: Readonly<Record<string, string>>,
  now: number = Date.now(),
): Readonly<Record<string, string>> {
  if (
    headers["x-ratelimit-limit-requests"] === undefined &&
    headers["x-ratelimit-limit-tokens"] === undefined
  )
    return headers;
  const out: Record<string, string> = { ...headers };
  for (const dimension of DIMENSIONS) {
    const limit = headers[`x-ratelimit-limit-${dimension}`];
    if (limit === undefined) continue;
    out[`anthropic-ratelimit-${dimension}-limit`] = limit;
    const remaining = headers[`x-ratelimit-remaining-${dimension}`];
    if (remaining !== undefined) out[`anthropic-ratelimit-${dimension}-remaining`] = remaining;
    const reset = parseRateLimitDuration(headers[`x-ratelimit-reset-${dimension}`] ?? "");
    if (reset !== undefined)
      out[`anthropic-ratelimit-${dimension}-reset`] = new Date(
        now + Math.ceil(reset / 1000) * 1000,
      ).toISOString();
  }
  return out;
}

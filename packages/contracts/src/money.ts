import { z } from "zod";

/** Money is integer micro-dollars: 1 USD = 1_000_000n. Never a float. */
export const MICROS_PER_USD = 1_000_000n;

const USD_PATTERN = /^(-)?(\d+)(?:\.(\d{1,6}))?$/;

/** "12.50" -> 12_500_000n. Accepts up to 6 decimals; refuses exponents, blanks and NaN. */
export function parseUsd(text: string): bigint {
  const match = USD_PATTERN.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `"${text}" is not a USD amount: use digits with at most 6 decimal places, e.g. 25 or 0.50`,
    );
  }
  const [, sign, whole = "0", fraction = ""] = match;
  const micros = BigInt(whole) * MICROS_PER_USD + BigInt(fraction.padEnd(6, "0"));
  return sign ? -micros : micros;
}

/**
 * 12_500_000n -> "$12.50"; 123n -> "$0.000123". At least two decimals, up to six, so nothing
 * that is not zero ever shows as $0.00.
 */
export function formatUsd(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_USD;
  let fraction = (abs % MICROS_PER_USD).toString().padStart(6, "0").replace(/0+$/, "");
  if (fraction.length < 2) fraction = fraction.padEnd(2, "0");
  return `${negative ? "-" : ""}$${whole.toLocaleString("en-US")}.${fraction}`;
}

/**
 * The cost of `tokens` at a price per million tokens, rounded UP to the next micro-dollar: the
 * platform never undercharges through rounding, and overcharges by less than one micro-dollar.
 */
export function microsFromPerMillion(tokens: number, pricePerMTokMicros: bigint): bigint {
  if (!Number.isSafeInteger(tokens) || tokens < 0) throw new RangeError(`bad token count ${tokens}`);
  const numerator = BigInt(tokens) * pricePerMTokMicros;
  return (numerator + 999_999n) / 1_000_000n;
}

/** A positive USD amount typed by a person, as micro-dollars. */
export const ZUsdAmount = z.string().transform((text, ctx) => {
  try {
    const micros = parseUsd(text);
    if (micros <= 0n) {
      ctx.addIssue({ code: "custom", message: "must be more than zero" });
      return z.NEVER;
    }
    return micros;
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

// Money is integer micro-dollars as bigint: 1 USD = 1_000_000n. Never a float, anywhere:
// parsing, arithmetic and display all stay in integers.
import { z } from "zod";

export const MICROS_PER_USD = 1_000_000n;

/** Decimal places of a micro-dollar. */
const MAX_DECIMALS = 6;

const USD_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * "12.50" -> 12_500_000n, "-2.25" -> -2_250_000n, "0.000001" -> 1n. Digits with an optional
 * sign and at most 6 decimals; surrounding whitespace is ignored. Throws a RangeError for
 * anything else: blanks, exponents ("1e3"), "NaN", "Infinity", "$5", "1,000", ".5", "5.".
 */
export function parseUsd(text: string): bigint {
  const match = USD_PATTERN.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `"${text}" is not a USD amount: use digits with at most 6 decimal places, e.g. 25 or 0.50`,
    );
  }
  const [, sign, whole = "0", fraction = ""] = match;
  if (fraction.length > MAX_DECIMALS) {
    throw new RangeError(
      `"${text}" has more than 6 decimal places: the smallest amount is $0.000001 (one micro-dollar)`,
    );
  }
  const micros = BigInt(whole) * MICROS_PER_USD + BigInt(fraction.padEnd(MAX_DECIMALS, "0"));
  return sign ? -micros : micros;
}

export interface FormatUsdOptions {
  /** Prefix "$". Default true. */
  symbol?: boolean;
  /** Thousands separators ("1,234.50"). Default true. */
  grouping?: boolean;
  /** Decimals always shown, 0 to 6. Default 2. More are shown only when they are not zero. */
  minDecimals?: number;
}

/**
 * 12_500_000n -> "$12.50"; -123n -> "-$0.000123"; 1_234_000_000n -> "$1,234.00".
 * Shows at least `minDecimals` (default 2) and as many more, up to 6, as needed so that no
 * amount that is not zero ever displays as $0.00: micro-dollars are never rounded away.
 */
export function formatUsd(micros: bigint, opts: FormatUsdOptions = {}): string {
  const { symbol = true, grouping = true, minDecimals = 2 } = opts;
  if (!Number.isInteger(minDecimals) || minDecimals < 0 || minDecimals > MAX_DECIMALS) {
    throw new RangeError(`minDecimals must be an integer from 0 to 6, not ${minDecimals}`);
  }
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_USD;
  const fraction = (abs % MICROS_PER_USD)
    .toString()
    .padStart(MAX_DECIMALS, "0")
    .replace(/0+$/, "")
    .padEnd(minDecimals, "0");
  const wholeText = grouping ? groupThousands(whole.toString()) : whole.toString();
  return `${negative ? "-" : ""}${symbol ? "$" : ""}${wholeText}${fraction ? `.${fraction}` : ""}`;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The cost of `tokens` at `pricePerMTokMicros` micro-dollars per million tokens, rounded UP
 * to the next whole micro-dollar.
 *
 * Why up: a price of $0.15 per million tokens makes one token cost 0.15 micro-dollars, and
 * truncating would bill small requests nothing at all, so the platform would undercharge on
 * every request, systematically. Rounding up means it never undercharges through rounding,
 * and overcharges by less than one micro-dollar ($0.000001) per cost component (input,
 * cached input, cache write, output), each of which is computed with its own call.
 */
export function microsFromPerMillion(tokens: number, pricePerMTokMicros: bigint): bigint {
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new RangeError(`token count must be a non-negative integer, not ${tokens}`);
  }
  if (pricePerMTokMicros < 0n) {
    throw new RangeError(`price must not be negative, not ${pricePerMTokMicros} micro-dollars`);
  }
  const numerator = BigInt(tokens) * pricePerMTokMicros;
  return (numerator + 999_999n) / 1_000_000n;
}

/** A positive USD amount typed into a form ("25", "0.50"), as micro-dollars. */
export const ZUsdAmount = z.string().transform((text, ctx) => {
  let micros: bigint;
  try {
    micros = parseUsd(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as RangeError).message });
    return z.NEVER;
  }
  if (micros <= 0n) {
    ctx.addIssue({ code: "custom", message: "must be more than $0" });
    return z.NEVER;
  }
  return micros;
});

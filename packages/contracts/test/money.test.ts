import { describe, expect, it } from "vitest";
import { formatUsd, MICROS_PER_USD, microsFromPerMillion, parseUsd, ZUsdAmount } from "../src/index.ts";

describe("parseUsd", () => {
  it.each([
    ["1", 1_000_000n],
    ["1.5", 1_500_000n],
    ["12.50", 12_500_000n],
    ["0.000001", 1n],
    ["-2.25", -2_250_000n],
    ["0", 0n],
    ["-0.000001", -1n],
    ["123456789.123456", 123_456_789_123_456n],
    ["  25  ", 25_000_000n],
    ["9007199254740993", 9_007_199_254_740_993_000_000n],
  ])("%j -> %s micro-dollars", (text, micros) => {
    expect(parseUsd(text)).toBe(micros);
  });

  it.each([
    "",
    "   ",
    "1e3",
    "1E-3",
    "NaN",
    "Infinity",
    "$5",
    "1,000",
    ".5",
    "5.",
    "+1",
    "--1",
    "0x10",
    "1.2.3",
    "one",
  ])("refuses %j with a RangeError", (text) => {
    expect(() => parseUsd(text)).toThrow(RangeError);
    expect(() => parseUsd(text)).toThrow(/not a USD amount/);
  });

  it("refuses a 7th decimal, saying why", () => {
    expect(() => parseUsd("0.0000001")).toThrow(RangeError);
    expect(() => parseUsd("1.1234567")).toThrow(/more than 6 decimal places/);
  });
});

describe("formatUsd", () => {
  it.each([
    [1_500_000n, "$1.50"],
    [12_500_000n, "$12.50"],
    [0n, "$0.00"],
    [1n, "$0.000001"],
    [-123n, "-$0.000123"],
    [10_000n, "$0.01"],
    [12_340n, "$0.01234"],
    [1_234_567_890_000n, "$1,234,567.89"],
    [-2_250_000n, "-$2.25"],
  ])("%s -> %j", (micros, text) => {
    expect(formatUsd(micros)).toBe(text);
  });

  it("never shows a non-zero amount as zero", () => {
    for (let micros = 1n; micros < 1000n; micros += 7n) expect(formatUsd(micros)).not.toBe("$0.00");
  });

  it("takes options", () => {
    expect(formatUsd(1_234_500_000n, { symbol: false, grouping: false })).toBe("1234.50");
    expect(formatUsd(3_000_000n, { minDecimals: 0 })).toBe("$3");
    expect(formatUsd(3_100_000n, { minDecimals: 0 })).toBe("$3.1");
    expect(formatUsd(3_000_000n, { minDecimals: 6 })).toBe("$3.000000");
    expect(() => formatUsd(1n, { minDecimals: 7 })).toThrow(RangeError);
  });

  it("round-trips with parseUsd", () => {
    for (const micros of [1n, -1n, 999_999n, 1_000_001n, -123_456_789n]) {
      expect(parseUsd(formatUsd(micros, { symbol: false, grouping: false }))).toBe(micros);
    }
  });
});

describe("microsFromPerMillion", () => {
  it("is exact when the division is", () => {
    expect(microsFromPerMillion(1_000_000, 2_500_000n)).toBe(2_500_000n); // 1M tokens at $2.50/M
    expect(microsFromPerMillion(2, 1_000_000n)).toBe(2n);
    expect(microsFromPerMillion(0, 15_000_000n)).toBe(0n);
    expect(microsFromPerMillion(1000, 0n)).toBe(0n);
  });

  it("rounds up to the next micro-dollar, never down", () => {
    expect(microsFromPerMillion(1, 150_000n)).toBe(1n); // 0.15 micro-dollars
    expect(microsFromPerMillion(1, 1n)).toBe(1n); // 0.000001 micro-dollars
    expect(microsFromPerMillion(1_000_001, 1_000_000n)).toBe(1_000_001n);
    expect(microsFromPerMillion(1_234, 2_500_000n)).toBe(3_085n); // 3085.0 exactly
    expect(microsFromPerMillion(1_235, 2_500_000n)).toBe(3_088n); // 3087.5 -> 3088
    // never more than one micro-dollar over the exact cost
    for (const [tokens, price] of [
      [7, 333_333n],
      [999_999, 1n],
      [123_456, 10_000_000n],
    ] as const) {
      const exactTimesMillion = BigInt(tokens) * price;
      const charged = microsFromPerMillion(tokens, price);
      expect(charged * 1_000_000n).toBeGreaterThanOrEqual(exactTimesMillion);
      expect(charged * 1_000_000n - exactTimesMillion).toBeLessThan(1_000_000n);
    }
  });

  it("handles token counts whose cost exceeds 2^53 micro-dollars", () => {
    expect(microsFromPerMillion(Number.MAX_SAFE_INTEGER, 1_000_000n)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
  });

  it("refuses bad input", () => {
    expect(() => microsFromPerMillion(-1, 1n)).toThrow(RangeError);
    expect(() => microsFromPerMillion(1.5, 1n)).toThrow(RangeError);
    expect(() => microsFromPerMillion(Number.NaN, 1n)).toThrow(RangeError);
    expect(() => microsFromPerMillion(1, -1n)).toThrow(RangeError);
  });
});

describe("ZUsdAmount", () => {
  it("turns form text into positive micro-dollars", () => {
    expect(ZUsdAmount.parse("25")).toBe(25n * MICROS_PER_USD);
    expect(ZUsdAmount.parse("0.000001")).toBe(1n);
  });

  it.each(["0", "-5", "0.0000001", "1e3", "", "abc"])("refuses %j with a message", (text) => {
    const result = ZUsdAmount.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/.{10,}/);
  });
});

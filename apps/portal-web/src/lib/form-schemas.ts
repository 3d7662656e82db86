// zod pieces for what people type into forms (always strings) on the way to the contracts'
// input schemas: blank means "none", money goes through parseUsd, never a float.
import { formatUsd, parseUsd, ZUsdAmount } from "@gw/contracts";
import { z } from "zod";

/** "" -> null, "60" -> 60. */
export const optionalPositiveInt = z
  .string()
  .trim()
  .refine((text) => text === "" || /^\d+$/.test(text), "use a whole number, or leave it blank for no limit")
  .transform((text) => (text === "" ? null : Number(text)))
  .refine((value) => value === null || (value > 0 && value <= 10_000_000), "use 1 to 10,000,000");

/** "" -> null, "5" -> 5_000_000n (micro-dollars). */
export const optionalUsd = z
  .string()
  .trim()
  .pipe(z.union([z.literal("").transform(() => null), ZUsdAmount]));

/** A signed amount such as "25" or "-2.50", not zero. */
export const signedUsd = z.string().transform((text, ctx) => {
  try {
    const micros = parseUsd(text);
    if (micros === 0n) ctx.addIssue({ code: "custom", message: "must not be zero" });
    return micros;
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

/** A date input ("YYYY-MM-DD" or ""): the end of that day in the browser's time zone, or null. */
export const optionalFutureDate = z
  .string()
  .transform((text) => (text ? new Date(`${text}T23:59:59`) : null))
  .refine((date) => date === null || date.getTime() > Date.now(), "pick a day in the future");

/** Comma- or newline-separated model ids. */
export const modelList = z.string().transform((text) =>
  text
    .split(/[\s,]+/)
    .map((model) => model.trim())
    .filter(Boolean),
);

/** A Date as a date input's value. */
export function dateInputValue(date: Date | null | undefined): string {
  if (!date) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Micro-dollars as a plain amount for an input ("5", "0.25"). */
export function usdInputValue(micros: bigint | null | undefined): string {
  if (micros === null || micros === undefined) return "";
  return formatUsd(micros, { symbol: false, grouping: false, minDecimals: 0 });
}

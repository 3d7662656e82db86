// Display helpers for dates and counts. Money goes through formatUsd from @gw/contracts.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const integer = new Intl.NumberFormat();

export function formatDateTime(date: Date | null | undefined, empty = "never"): string {
  return date ? dateTime.format(date) : empty;
}

export function formatDate(date: Date | null | undefined, empty = "—"): string {
  return date ? dateOnly.format(date) : empty;
}

/** Counts as numbers or bigints (token sums are bigints). */
export function formatCount(value: number | bigint | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return integer.format(value);
}

/** "YYYY-MM-DD" of a date in UTC (the usage rollup's days are UTC days). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The UTC day `days` before today. */
export function daysAgo(days: number): string {
  return utcDay(new Date(Date.now() - days * 86_400_000));
}

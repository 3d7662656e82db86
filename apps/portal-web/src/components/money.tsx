// Micro-dollar amounts as text: integers all the way, formatted by @gw/contracts.
import { formatUsd } from "@gw/contracts";

export function Money({ micros, empty = "—" }: { micros: bigint | null | undefined; empty?: string }) {
  if (micros === null || micros === undefined) return <span>{empty}</span>;
  return <span className={micros < 0n ? "money money-negative" : "money"}>{formatUsd(micros)}</span>;
}

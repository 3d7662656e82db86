// A status word with a colour that is never the only signal (the word is always there).
export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === "active" || status === "success" || status === "accepted"
      ? "ok"
      : status === "revoked" || status === "suspended" || status === "error" || status === "expired"
        ? "bad"
        : "neutral";
  return <span className={`badge badge-${tone}`}>{status.replaceAll("_", " ")}</span>;
}

// Loading, error and empty states for a query, in one place, so every page has all three.
import type { ReactNode } from "react";
import { errorMessage } from "../lib/errors.ts";

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

export function QueryState<T>(props: {
  query: QueryLike<T>;
  /** What to say when there is nothing yet (shown when isEmpty says so). */
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  loadingLabel?: string;
  children: (data: T) => ReactNode;
}) {
  const { query } = props;
  if (query.error) return <ErrorState error={query.error} onRetry={() => query.refetch()} />;
  if (query.isPending || query.data === undefined) return <Loading label={props.loadingLabel} />;
  if (props.isEmpty?.(query.data)) return <div className="empty">{props.empty ?? "Nothing here yet."}</div>;
  return <>{props.children(query.data)}</>;
}

export function Loading({ label = "Loading…" }: { label?: string | undefined }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="alert alert-error" role="alert">
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An inline alert: a failed mutation's message, a success note, a warning. */
export function Alert(props: { kind: "error" | "success" | "warning" | "info"; children: ReactNode }) {
  return (
    <div className={`alert alert-${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

/** The message of a failed mutation, or nothing. */
export function MutationError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert kind="error">
      <p>{errorMessage(error)}</p>
    </Alert>
  );
}

// "/": the first organization's dashboard, or the create-organization flow for a new account.
import { Navigate } from "react-router";
import { ErrorState, Loading } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";

export function HomePage() {
  const orgs = trpc.orgs.list.useQuery();
  if (orgs.error) return <ErrorState error={orgs.error} onRetry={() => orgs.refetch()} />;
  if (orgs.isPending) return <Loading />;
  const first = orgs.data[0];
  return <Navigate to={first ? `/o/${first.slug}` : "/orgs/new"} replace />;
}

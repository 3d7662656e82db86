// Route guards and the signed-in shell: who is signed in, which organization is open.
import { useMemo } from "react";
import { Navigate, Outlet, useLocation, useParams } from "react-router";
import { currentOrg, OrgContext, UserContext, useUser } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";
import { AppShell } from "./app-shell.tsx";
import { ErrorState, Loading } from "./query-state.tsx";

export function RequireUser() {
  const me = trpc.auth.me.useQuery();
  const location = useLocation();
  if (me.error) return <ErrorState error={me.error} onRetry={() => me.refetch()} />;
  if (me.isPending) return <Loading />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <UserContext value={me.data}>
      <Outlet />
    </UserContext>
  );
}

export function OrgLayout() {
  const { slug } = useParams();
  const orgs = trpc.orgs.list.useQuery();
  const summary = orgs.data?.find((org) => org.slug === slug);
  const org = useMemo(() => (summary ? currentOrg(summary) : undefined), [summary]);
  let body: React.ReactNode;
  if (orgs.error) body = <ErrorState error={orgs.error} onRetry={() => orgs.refetch()} />;
  else if (orgs.isPending) body = <Loading />;
  else if (!org) {
    body = (
      <div className="page">
        <h1>Organization not found</h1>
        <p>
          There is no organization <code>{slug}</code> that you are a member of. Pick one from the switcher or
          create one.
        </p>
      </div>
    );
  } else {
    body = (
      <OrgContext value={org}>
        {org.status === "suspended" && (
          <div className="banner banner-warning" role="status">
            This organization is suspended: you can look around, but nothing can be changed and its keys are
            refused.
          </div>
        )}
        <Outlet />
      </OrgContext>
    );
  }
  return (
    <AppShell orgs={orgs.data ?? []} currentSlug={slug}>
      {body}
    </AppShell>
  );
}

export function AdminLayout() {
  const user = useUser();
  const orgs = trpc.orgs.list.useQuery();
  return (
    <AppShell orgs={orgs.data ?? []} currentSlug={undefined}>
      {user.isPlatformAdmin ? (
        <Outlet />
      ) : (
        <div className="page">
          <h1>Platform admin</h1>
          <p>Only platform administrators can open these pages.</p>
        </div>
      )}
    </AppShell>
  );
}

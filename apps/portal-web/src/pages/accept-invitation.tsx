// /invite?token=...: sign in (or up) first, then join the organization.
import { Link, useNavigate, useSearchParams } from "react-router";
import { AuthCard } from "../components/auth-card.tsx";
import { Alert, Loading, MutationError } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";

export function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const me = trpc.auth.me.useQuery();
  const utils = trpc.useUtils();
  const navigate = useNavigate();
  const accept = trpc.members.accept.useMutation({
    onSuccess: async ({ orgId }) => {
      const orgs = await utils.orgs.list.fetch();
      const org = orgs.find((o) => o.id === orgId);
      navigate(org ? `/o/${org.slug}` : "/", { replace: true });
    },
  });
  const here = `/invite?token=${encodeURIComponent(token)}`;
  if (!token) {
    return (
      <AuthCard title="Join an organization">
        <Alert kind="error">
          <p>This invitation link has no token. Open the link you were sent again.</p>
        </Alert>
      </AuthCard>
    );
  }
  if (me.isPending) return <Loading />;
  if (!me.data) {
    return (
      <AuthCard title="Join an organization">
        <p>
          You were invited to an organization. Sign in or create an account with the invited email address to
          join.
        </p>
        <div className="actions">
          <Link className="button-primary" to={`/sign-in?next=${encodeURIComponent(here)}`}>
            Sign in
          </Link>
          <Link className="button-secondary" to={`/sign-up?next=${encodeURIComponent(here)}`}>
            Create account
          </Link>
        </div>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Join an organization">
      <p>
        You are signed in as <strong>{me.data.email}</strong>.
      </p>
      <MutationError error={accept.error} />
      <button
        type="button"
        className="button-primary"
        disabled={accept.isPending}
        onClick={() => accept.mutate({ token })}
      >
        {accept.isPending ? "Joining…" : "Accept invitation"}
      </button>
    </AuthCard>
  );
}

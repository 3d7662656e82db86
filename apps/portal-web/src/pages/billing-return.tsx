// /billing?checkout=...: where Stripe Checkout returns. It carries no organization, so send the
// person to their organization's billing page (or let them pick one).
import { Link, Navigate, useLocation } from "react-router";
import { AuthCard } from "../components/auth-card.tsx";
import { QueryState } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";

export function BillingReturnPage() {
  const orgs = trpc.orgs.list.useQuery();
  const { search } = useLocation();
  return (
    <QueryState query={orgs} isEmpty={(list) => list.length === 0} empty={<Navigate to="/" replace />}>
      {(list) =>
        list.length === 1 && list[0] ? (
          <Navigate to={`/o/${list[0].slug}/billing${search}`} replace />
        ) : (
          <AuthCard title="Billing">
            <p>Which organization's billing?</p>
            <ul>
              {list.map((org) => (
                <li key={org.id}>
                  <Link to={`/o/${org.slug}/billing${search}`}>{org.name}</Link>
                </li>
              ))}
            </ul>
          </AuthCard>
        )
      }
    </QueryState>
  );
}

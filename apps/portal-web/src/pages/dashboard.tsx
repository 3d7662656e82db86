// Dashboard: balance and reserved credit, spend today and this month, requests and tokens over
// the last 30 days, top models; a low-balance banner; first steps for a new organization.
import { Link, useSearchParams } from "react-router";
import { LazyUsageChart } from "../components/lazy-usage-chart.tsx";
import { Money } from "../components/money.tsx";
import { QueryState } from "../components/query-state.tsx";
import { Stats } from "../components/stats.tsx";
import { daysAgo, formatCount, utcDay } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

function GettingStarted() {
  const org = useOrg();
  const keys = trpc.keys.list.useQuery({ orgId: org.id });
  const [params] = useSearchParams();
  if (!params.has("welcome") && (keys.isPending || (keys.data?.length ?? 0) > 0)) return null;
  return (
    <section className="card getting-started" aria-labelledby="start-heading">
      <h2 id="start-heading">Get started</h2>
      <ol>
        <li>
          {org.can("keys:manage") ? (
            <Link to={`/o/${org.slug}/keys?create=1`}>Create an API key</Link>
          ) : (
            "Ask an admin for an API key"
          )}{" "}
          : it is shown once, so copy it.
        </li>
        <li>
          <Link to={`/o/${org.slug}/playground`}>Open the playground</Link> and send a message with your key.
        </li>
        <li>
          Check <Link to={`/o/${org.slug}/billing`}>your balance</Link>: requests are paid from prepaid
          credit.
        </li>
      </ol>
    </section>
  );
}

export function DashboardPage() {
  const org = useOrg();
  const range = { from: daysAgo(29), to: utcDay(new Date()) };
  const billing = trpc.billing.summary.useQuery({ orgId: org.id });
  const byDay = trpc.usage.timeseries.useQuery({ orgId: org.id, ...range, groupBy: "day" });
  const byModel = trpc.usage.timeseries.useQuery({ orgId: org.id, ...range, groupBy: "model" });
  return (
    <div className="page">
      <header className="page-header">
        <h1>{org.name}</h1>
      </header>
      {billing.data?.lowBalance && (
        <div className="banner banner-warning" role="alert">
          Low balance: <Money micros={billing.data.availableMicros} /> left.{" "}
          {org.can("billing:manage") ? (
            <Link to={`/o/${org.slug}/billing`}>Top up</Link>
          ) : (
            "Ask an admin to top up."
          )}
        </div>
      )}
      <GettingStarted />
      <QueryState query={billing}>
        {(summary) => (
          <Stats
            items={[
              { label: "Balance", value: <Money micros={summary.balanceMicros} /> },
              {
                label: "Reserved by requests in flight",
                value:
                  summary.reservedMicros === null ? "unknown" : <Money micros={summary.reservedMicros} />,
              },
              { label: "Available", value: <Money micros={summary.availableMicros} /> },
              { label: "Spent today", value: <Money micros={summary.spentTodayMicros} /> },
              { label: "Spent this month", value: <Money micros={summary.spentThisMonthMicros} /> },
            ]}
          />
        )}
      </QueryState>
      <div className="grid-2">
        <section className="card" aria-label="Requests over time">
          <QueryState
            query={byDay}
            isEmpty={(rows) => rows.length === 0}
            empty="No requests in the last 30 days."
          >
            {(rows) => (
              <>
                <LazyUsageChart rows={rows} metric="requests" title="Requests per day (last 30 days)" />
                <LazyUsageChart rows={rows} metric="tokens" title="Tokens per day (last 30 days)" />
              </>
            )}
          </QueryState>
        </section>
        <section className="card" aria-labelledby="top-models">
          <h2 id="top-models">Top models</h2>
          <QueryState query={byModel} isEmpty={(rows) => rows.length === 0} empty="No usage yet.">
            {(rows) => (
              <ol className="top-list">
                {[...rows]
                  .sort((a, b) =>
                    b.costMicros > a.costMicros
                      ? 1
                      : b.costMicros < a.costMicros
                        ? -1
                        : b.requests - a.requests,
                  )
                  .slice(0, 5)
                  .map((row) => (
                    <li key={row.key}>
                      <span>{row.label}</span>
                      <span>
                        {formatCount(row.requests)} requests · <Money micros={row.costMicros} />
                      </span>
                    </li>
                  ))}
              </ol>
            )}
          </QueryState>
        </section>
      </div>
    </div>
  );
}

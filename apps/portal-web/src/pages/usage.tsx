// Usage: totals and charts for a chosen range, grouped by day, model, key or project; the request
// log; CSV export.
import { type TUsageGroupBy, usageRangeDays } from "@gw/contracts";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { SelectField, TextField } from "../components/field.tsx";
import { LazyUsageChart } from "../components/lazy-usage-chart.tsx";
import { Money } from "../components/money.tsx";
import { Alert, MutationError, QueryState } from "../components/query-state.tsx";
import { Stats } from "../components/stats.tsx";
import type { UsageMetric } from "../components/usage-chart.tsx";
import { downloadText } from "../lib/download.ts";
import { daysAgo, formatCount, utcDay } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";
import { RequestLog } from "./usage-requests.tsx";

const groupLabels: Record<TUsageGroupBy, string> = {
  day: "day",
  model: "model",
  key: "key",
  project: "project",
};

export function UsagePage() {
  const org = useOrg();
  const [from, setFrom] = useState(daysAgo(29));
  const [to, setTo] = useState(utcDay(new Date()));
  const [groupBy, setGroupBy] = useState<TUsageGroupBy>("day");
  const [metric, setMetric] = useState<UsageMetric>("cost");
  const validRange = Boolean(from && to) && usageRangeDays(from, to) >= 1;
  const summary = trpc.usage.summary.useQuery({ orgId: org.id, from, to }, { enabled: validRange });
  const series = trpc.usage.timeseries.useQuery(
    { orgId: org.id, from, to, groupBy },
    { enabled: validRange },
  );
  const utils = trpc.useUtils();
  // exportCsv is a read: fetched when asked for, then handed to the browser as a file.
  const exportCsv = useMutation({
    mutationFn: (kind: "daily" | "requests") =>
      utils.usage.exportCsv.fetch({ orgId: org.id, kind, from, to }),
    onSuccess: (file) => downloadText(file.filename, file.csv),
  });
  const preset = (days: number) => {
    setFrom(daysAgo(days - 1));
    setTo(utcDay(new Date()));
  };
  return (
    <div className="page">
      <header className="page-header">
        <h1>Usage</h1>
        <div className="row-actions">
          {(["daily", "requests"] as const).map((kind) => (
            <button
              key={kind}
              type="button"
              className="button-secondary"
              disabled={exportCsv.isPending || !validRange}
              onClick={() => exportCsv.mutate(kind)}
            >
              Export {kind} CSV
            </button>
          ))}
        </div>
      </header>
      <MutationError error={exportCsv.error} />
      {exportCsv.data?.truncated && (
        <Alert kind="warning">
          <p>
            The export stopped at {formatCount(exportCsv.data.rows)} rows; choose a shorter range for the
            rest.
          </p>
        </Alert>
      )}
      <div className="filters">
        <TextField
          label="From (UTC)"
          type="date"
          value={from}
          max={to}
          onChange={(e) => setFrom(e.target.value)}
        />
        <TextField
          label="To (UTC)"
          type="date"
          value={to}
          min={from}
          onChange={(e) => setTo(e.target.value)}
        />
        <fieldset className="row-actions presets">
          <legend className="visually-hidden">Range presets</legend>
          {[7, 30, 90].map((days) => (
            <button key={days} type="button" className="button-small" onClick={() => preset(days)}>
              Last {days} days
            </button>
          ))}
        </fieldset>
      </div>
      {!validRange && (
        <Alert kind="error">
          <p>Pick a range whose end is not before its start.</p>
        </Alert>
      )}
      <QueryState query={summary}>
        {(totals) => (
          <Stats
            items={[
              { label: "Cost", value: <Money micros={totals.costMicros} /> },
              { label: "Requests", value: formatCount(totals.requests) },
              { label: "Errors", value: formatCount(totals.errors) },
              { label: "Input tokens", value: formatCount(totals.inputTokens) },
              { label: "Output tokens", value: formatCount(totals.outputTokens) },
            ]}
          />
        )}
      </QueryState>
      <section aria-labelledby="chart-heading">
        <header className="section-header">
          <h2 id="chart-heading">Breakdown</h2>
          <div className="filters">
            <SelectField
              label="Group by"
              value={groupBy}
              onChange={(e) => setGroupBy(e.target.value as TUsageGroupBy)}
            >
              <option value="day">Day</option>
              <option value="model">Model</option>
              <option value="key">Key</option>
              <option value="project">Project</option>
            </SelectField>
            <SelectField
              label="Show"
              value={metric}
              onChange={(e) => setMetric(e.target.value as UsageMetric)}
            >
              <option value="cost">Cost</option>
              <option value="requests">Requests</option>
              <option value="tokens">Tokens</option>
            </SelectField>
          </div>
        </header>
        <QueryState query={series} isEmpty={(rows) => rows.length === 0} empty="No usage in this range yet.">
          {(rows) => (
            <LazyUsageChart rows={rows} metric={metric} title={`${metric} by ${groupLabels[groupBy]}`} />
          )}
        </QueryState>
      </section>
      {validRange && <RequestLog from={from} to={to} />}
    </div>
  );
}

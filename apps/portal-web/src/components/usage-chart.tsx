// Usage as bars (recharts): cost or requests or tokens per day, model, key or project.
// Values are integer micro-dollars or counts; the axis formats them, never a float of dollars.
import { formatUsd, type TUsageSeriesRow } from "@gw/contracts";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCount } from "../lib/format.ts";

export type UsageMetric = "cost" | "requests" | "tokens";

const metricLabel: Record<UsageMetric, string> = { cost: "Cost", requests: "Requests", tokens: "Tokens" };

function value(row: TUsageSeriesRow, metric: UsageMetric): number {
  if (metric === "cost") return Number(row.costMicros);
  if (metric === "requests") return row.requests;
  return Number(row.inputTokens + row.outputTokens);
}

function format(metric: UsageMetric, n: number): string {
  return metric === "cost" ? formatUsd(BigInt(Math.round(n))) : formatCount(n);
}

export function UsageChart(props: { rows: TUsageSeriesRow[]; metric: UsageMetric; title: string }) {
  const data = props.rows.map((row) => ({ label: row.label, value: value(row, props.metric) }));
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div
        className="chart-box"
        role="img"
        aria-label={`${props.title}: ${data.map((d) => `${d.label} ${format(props.metric, d.value)}`).join(", ")}`}
      >
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} interval="preserveStartEnd" />
            <YAxis
              // Counts and micro-dollars are whole numbers: no 0.25-request ticks.
              allowDecimals={false}
              tickFormatter={(n: number) => format(props.metric, n)}
              width={80}
              tick={{ fontSize: 12 }}
            />
            <Tooltip formatter={(n) => [format(props.metric, Number(n)), metricLabel[props.metric]]} />
            <Bar dataKey="value" fill="#2f5fd0" name={metricLabel[props.metric]} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

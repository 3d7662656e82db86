// The usage chart, loaded on first use: recharts is most of the bundle, and only the dashboard and
// usage pages draw charts.
import { type ComponentProps, lazy, Suspense } from "react";
import type { UsageChart as Chart } from "./usage-chart.tsx";

const LoadedChart = lazy(() =>
  import("./usage-chart.tsx").then((module) => ({ default: module.UsageChart })),
);

export function LazyUsageChart(props: ComponentProps<typeof Chart>) {
  return (
    <Suspense fallback={<p className="muted">Loading chart…</p>}>
      <LoadedChart {...props} />
    </Suspense>
  );
}

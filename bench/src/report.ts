// The report: per-mode results, the issue's targets checked against the metered run, and the
// markdown table printed at the end and written next to the JSON.
import type { LoadRun, OpenStreamsResult, ProbeResult, SoakResult } from "./load.ts";
import type { Kind } from "./requests.ts";
import type { Mode, UsageCount } from "./stack.ts";
import { round, type Spread, spread } from "./stats.ts";

export interface LoadSummary {
  runs: LoadRun[];
  rps: Spread;
  latencyP50Ms: Spread;
  latencyP99Ms: Spread;
  cpuMsPerRequest: Spread;
  gatewayCpuShare: Spread;
  loadSideCpuShare: Spread;
}

export function summarizeLoad(runs: LoadRun[]): LoadSummary {
  const of = (pick: (run: LoadRun) => number) => spread(runs.map(pick));
  return {
    runs,
    rps: of((r) => r.rps),
    latencyP50Ms: of((r) => r.latencyP50Ms),
    latencyP99Ms: of((r) => r.latencyP99Ms),
    cpuMsPerRequest: of((r) => r.cpuMsPerRequest),
    gatewayCpuShare: of((r) => r.gatewayCpuShare),
    loadSideCpuShare: of((r) => r.loadSideCpuShare),
  };
}

export interface ModeResult {
  mode: Mode;
  load: Partial<Record<Kind, LoadSummary>>;
  probe: Partial<Record<Kind, ProbeResult>>;
  openStreams?: OpenStreamsResult | undefined;
  soak?: SoakResult | undefined;
  peakRssMb: number;
  exit: string;
  /** Requests sent to this gateway in all phases (warm-ups included) and the usage rows written for its key. */
  usage: {
    requestsSent: number;
    rows: number;
    byOutcome: Record<string, number>;
    /** Non-200 answers the load generator got, by status (a row is still owed for each). */
    refused: Record<string, number>;
    verified: boolean;
  };
}

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

export interface Report {
  meta: Record<string, unknown>;
  modes: ModeResult[];
  targets: Target[];
}

export function usageCheck(
  mode: Mode,
  sent: number,
  count: UsageCount,
  refused: Record<string, number>,
): ModeResult["usage"] {
  const expected = mode === "metered" ? sent : 0;
  return {
    requestsSent: sent,
    rows: count.total,
    byOutcome: count.byOutcome,
    refused,
    verified: count.total === expected,
  };
}

const fmt = (n: number | undefined, digits = 3) =>
  n === undefined || Number.isNaN(n) ? "n/a" : String(round(n, digits));
const range = (s: Spread | undefined, digits = 3) =>
  s ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : "n/a";

export function evaluateTargets(metered: ModeResult | undefined, soakTargetS: number): Target[] {
  if (!metered) return [];
  const ns = metered.load.nonstream;
  const st = metered.load.stream;
  const pn = metered.probe.nonstream;
  const ps = metered.probe.stream;
  const os = metered.openStreams;
  const check = (
    name: string,
    target: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    unit = "",
  ) =>
    ({
      name,
      target,
      value: value === undefined ? "not measured" : `${fmt(value)}${unit}`,
      met: value === undefined ? null : ok(value),
    }) satisfies Target;
  const targets: Target[] = [
    check("CPU per non-stream request", "<= 0.2 ms", ns?.cpuMsPerRequest.median, (v) => v <= 0.2, " ms"),
    check("Non-stream requests/s (one core)", ">= 5000", ns?.rps.median, (v) => v >= 5000),
    check(
      "CPU per stream request (20 chunks)",
      "<= 0.4 ms",
      st?.cpuMsPerRequest.median,
      (v) => v <= 0.4,
      " ms",
    ),
    check("Added latency p50 (1 connection)", "<= 300 µs", pn?.addedUs.p50, (v) => v <= 300, " µs"),
    check("Added latency p99 (1 connection)", "<= 1000 µs", pn?.addedUs.p99, (v) => v <= 1000, " µs"),
    check(
      "Added time to first byte, streams (p50)",
      "<= 1000 µs",
      ps?.addedUs.firstByteP50,
      (v) => v <= 1000,
      " µs",
    ),
    {
      name: "RSS with 1,000 concurrent streams",
      target: "<= 150 MB, all 1,000 open at once",
      value: os ? `${fmt(os.rssOpenMb, 1)} MB, ${os.maxOpen} open at once` : "not measured",
      met: os ? os.rssOpenMb <= 150 && os.maxOpen >= 1000 && os.failed === 0 : null,
    },
    {
      name: "No RSS growth under load",
      target: `slope ~0 over ${soakTargetS} s`,
      value: metered.soak
        ? `${fmt(metered.soak.rssSlopeMbPerMin, 2)} MB/min over ${metered.soak.durationS} s (${fmt(metered.soak.rssStartMb, 1)} -> ${fmt(metered.soak.rssEndMb, 1)} MB)`
        : "not measured",
      // Under 1 MB/min in the second half; only a soak of the full length decides it (the soak is
      // sized by requests to last about its length, so within 5% of it).
      met: metered.soak
        ? metered.soak.durationS >= soakTargetS * 0.95
          ? metered.soak.rssSlopeMbPerMin < 1
          : null
        : null,
    },
    {
      name: "Usage rows written (one per request)",
      target: "rows = requests sent",
      value: `${metered.usage.rows} rows / ${metered.usage.requestsSent} requests`,
      met: metered.usage.verified,
    },
  ];
  return targets;
}

export function markdown(report: Report): string {
  const modes = report.modes;
  const header = `| | ${modes.map((m) => m.mode).join(" | ")} |`;
  const rule = `| --- | ${modes.map(() => "---:").join(" | ")} |`;
  const row = (name: string, pick: (m: ModeResult) => string) =>
    `| ${name} | ${modes.map(pick).join(" | ")} |`;
  const meta = report.meta;
  const lines = [
    `Benchmark of ${meta.commit} on ${meta.date} (${meta.run}): ${meta.cpu}, node ${meta.node}, ${meta.pinned}.`,
    `Load: ${meta.connections} connections, ${meta.reps} × ${meta.durationS} s after ${meta.warmupS} s warm-up; store: ${meta.store}; load average at start ${meta.loadAverage}.`,
    "Median (min–max) over the repetitions. Latencies are autocannon's (ms); the probe is one connection, µs.",
    ...(modes.some((m) => m.mode === "floor")
      ? [
          "`floor` is not the gateway: a bare Node proxy (node:http + undici, no auth, SDK or metering) on the gateway's core, what any Node proxy adds on this machine.",
        ]
      : []),
    "",
    header,
    rule,
    row("non-stream requests/s", (m) => range(m.load.nonstream?.rps, 0)),
    row(
      "non-stream latency p50 / p99 (ms)",
      (m) => `${range(m.load.nonstream?.latencyP50Ms, 1)} / ${range(m.load.nonstream?.latencyP99Ms, 1)}`,
    ),
    row("non-stream CPU per request (ms)", (m) => range(m.load.nonstream?.cpuMsPerRequest)),
    row("stream (20 chunks) requests/s", (m) => range(m.load.stream?.rps, 0)),
    row(
      "stream latency p50 / p99 (ms)",
      (m) => `${range(m.load.stream?.latencyP50Ms, 1)} / ${range(m.load.stream?.latencyP99Ms, 1)}`,
    ),
    row("stream CPU per request (ms)", (m) => range(m.load.stream?.cpuMsPerRequest)),
    row(
      "gateway core busy (non-stream / stream)",
      (m) =>
        `${fmt(m.load.nonstream?.gatewayCpuShare.median, 2)} / ${fmt(m.load.stream?.gatewayCpuShare.median, 2)}`,
    ),
    row(
      "load-side core busy (non-stream / stream)",
      (m) =>
        `${fmt(m.load.nonstream?.loadSideCpuShare.median, 2)} / ${fmt(m.load.stream?.loadSideCpuShare.median, 2)}`,
    ),
    row(
      "added latency p50 / p99 (µs, 1 conn.)",
      (m) => `${fmt(m.probe.nonstream?.addedUs.p50, 1)} / ${fmt(m.probe.nonstream?.addedUs.p99, 1)}`,
    ),
    row(
      "  direct mock p50 / p99 (µs)",
      (m) =>
        `${fmt(m.probe.nonstream?.direct.total.p50, 1)} / ${fmt(m.probe.nonstream?.direct.total.p99, 1)}`,
    ),
    row(
      "added stream first byte p50 / p99 (µs)",
      (m) =>
        `${fmt(m.probe.stream?.addedUs.firstByteP50, 1)} / ${fmt(m.probe.stream?.addedUs.firstByteP99, 1)}`,
    ),
    row(
      "added stream total p50 / p99 (µs)",
      (m) => `${fmt(m.probe.stream?.addedUs.p50, 1)} / ${fmt(m.probe.stream?.addedUs.p99, 1)}`,
    ),
    row("RSS with N concurrent streams (MB)", (m) =>
      m.openStreams
        ? `${fmt(m.openStreams.rssOpenMb, 1)} (N=${m.openStreams.maxOpen} of ${m.openStreams.requested}, ${m.openStreams.failed} failed)`
        : "n/a",
    ),
    row("soak RSS start -> end (MB), slope", (m) =>
      m.soak
        ? `${fmt(m.soak.rssStartMb, 1)} -> ${fmt(m.soak.rssEndMb, 1)}, ${fmt(m.soak.rssSlopeMbPerMin, 2)} MB/min (${m.soak.durationS} s)`
        : "n/a",
    ),
    row("peak RSS (MB)", (m) => fmt(m.peakRssMb, 1)),
    row("usage rows / requests sent", (m) =>
      m.mode === "floor"
        ? "n/a (no gateway)"
        : `${m.usage.rows} / ${m.usage.requestsSent}${m.usage.verified ? " ✓" : " ✗"}${Object.keys(m.usage.refused).length ? ` (non-200: ${JSON.stringify(m.usage.refused)})` : ""}`,
    ),
    "",
  ];
  if (report.targets.length) {
    lines.push(
      "Targets (metered run, full pipeline):",
      "",
      "| target | goal | measured | met |",
      "| --- | --- | --- | :---: |",
    );
    for (const t of report.targets)
      lines.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met === null ? "–" : t.met ? "yes" : "no"} |`);
    lines.push("");
  }
  return lines.join("\n");
}

// The load: autocannon at a fixed concurrency (throughput, latency, CPU per request from /proc),
// a one-connection probe timed with hrtime (what the gateway adds over the mock), many streams
// held open at once (memory), and a soak (memory over time).
import { Agent, request } from "node:http";
import autocannon from "autocannon";
import { cpuMs, memory } from "./procs.ts";
import { CHAT_PATH, chatBody, HOLD_USER, type Kind } from "./requests.ts";
import { type Distribution, distribution, round, slope } from "./stats.ts";

export interface Target {
  /** Origin, e.g. http://127.0.0.1:3000. */
  origin: string;
  headers: Record<string, string>;
}

const headersFor = (target: Target) => ({ "content-type": "application/json", ...target.headers });

export interface LoadRun {
  sent: number;
  completed: number;
  non2xx: number;
  /** Answers by HTTP status, when any was not 200. */
  statusCodes?: Record<string, number>;
  /** The first few non-200 answers, status and body. */
  failures?: string[];
  errors: number;
  durationS: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Gateway CPU (user + system, all threads) per completed request. */
  cpuMsPerRequest: number;
  /** Gateway CPU time over wall time: 1 means one core fully busy. */
  gatewayCpuShare: number;
  /** Mock + load generator CPU over wall time (they share the other core when pinned). */
  loadSideCpuShare: number;
}

/**
 * One autocannon run against the gateway, with its process's CPU time measured around it. Runs
 * are sized by request count (`amount`, from the rate measured so far) rather than cut at a
 * deadline, so no request is left in flight at the end and every one sent can be matched with its
 * usage row.
 */
export async function cannon(
  target: Target,
  kind: Kind,
  connections: number,
  amount: number,
  pids: { gateway: number; mock: number },
): Promise<LoadRun> {
  const before = { gw: cpuMs(pids.gateway), mock: cpuMs(pids.mock), self: process.cpuUsage() };
  const started = performance.now();
  const failures: string[] = [];
  const result = await autocannon({
    url: `${target.origin}${CHAT_PATH}`,
    method: "POST",
    headers: headersFor(target),
    requests: [
      {
        body: chatBody(kind),
        // Keep the first few refusals' bodies: a benchmark that got errors must say which.
        onResponse: (status: number, body: string) => {
          if (status !== 200 && failures.length < 3) failures.push(`${status} ${body.slice(0, 300)}`);
        },
      } as autocannon.Request,
    ],
    connections,
    amount: Math.max(connections, Math.round(amount)),
    timeout: 30,
  });
  const wallMs = performance.now() - started;
  const gwMs = cpuMs(pids.gateway) - before.gw;
  const self = process.cpuUsage(before.self);
  const loadMs = cpuMs(pids.mock) - before.mock + (self.user + self.system) / 1000;
  const completed = result.requests.total;
  return {
    sent: result.requests.sent,
    completed,
    non2xx: result.non2xx,
    ...(result.non2xx ? { statusCodes: statusCodes(result), failures } : {}),
    errors: result.errors,
    durationS: round(wallMs / 1000, 2),
    rps: round(completed / (wallMs / 1000), 0),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    cpuMsPerRequest: round(gwMs / Math.max(1, completed), 4),
    gatewayCpuShare: round(gwMs / wallMs, 2),
    loadSideCpuShare: round(loadMs / wallMs, 2),
  };
}

function statusCodes(result: autocannon.Result): Record<string, number> {
  const stats =
    (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  return Object.fromEntries(Object.entries(stats).map(([code, { count }]) => [code, count]));
}

interface Timing {
  status: number;
  /** Microseconds from sending to the first body byte. */
  firstByteUs: number;
  /** Microseconds from sending to the end of the response. */
  totalUs: number;
  body: string;
}

function timedRequest(agent: Agent, target: Target, body: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const url = new URL(CHAT_PATH, target.origin);
    const started = process.hrtime.bigint();
    let firstByteUs = 0;
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...headersFor(target), "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => {
          if (firstByteUs === 0) firstByteUs = Number(process.hrtime.bigint() - started) / 1000;
          parts.push(part);
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            firstByteUs,
            totalUs: Number(process.hrtime.bigint() - started) / 1000,
            body: Buffer.concat(parts).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface ProbeResult {
  samples: number;
  /** Microseconds: the mock called directly, the same mock through the gateway, and the difference of each percentile. */
  direct: { total: Distribution; firstByte: Distribution };
  gateway: { total: Distribution; firstByte: Distribution };
  addedUs: { p50: number; p99: number; firstByteP50: number; firstByteP99: number };
  sent: number;
  /** Non-200 answers by status (not samples). */
  statusCodes: Record<string, number>;
}

const usDist = (values: number[]): Distribution => {
  const d = distribution(values);
  return {
    n: d.n,
    p50: round(d.p50, 1),
    p90: round(d.p90, 1),
    p99: round(d.p99, 1),
    mean: round(d.mean, 1),
    min: round(d.min, 1),
    max: round(d.max, 1),
  };
};

/**
 * One connection each, one request at a time, alternating mock-direct and through-gateway so
 * drift and noise hit both alike. The difference is what the gateway adds, in microseconds.
 */
export async function probe(
  direct: Target,
  gateway: Target,
  kind: Kind,
  samples: number,
): Promise<ProbeResult> {
  const body = chatBody(kind);
  const agents = [
    new Agent({ keepAlive: true, maxSockets: 1 }),
    new Agent({ keepAlive: true, maxSockets: 1 }),
  ];
  const targets = [direct, gateway];
  const times: Timing[][] = [[], []];
  const warmup = Math.min(500, Math.ceil(samples / 5));
  let sent = 0;
  const refused: Record<string, number> = {};
  try {
    for (let i = 0; i < warmup + samples; i++) {
      for (const t of [0, 1]) {
        const timing = await timedRequest(agents[t] as Agent, targets[t] as Target, body);
        if (t === 1) sent++;
        if (timing.status !== 200) {
          // A refusal (e.g. a 503 when a busy machine makes a Redis call time out) is no latency
          // sample; too many of them and the probe means nothing.
          refused[timing.status] = (refused[timing.status] ?? 0) + 1;
          if (Object.values(refused).reduce((a, b) => a + b, 0) > Math.max(10, samples / 100))
            throw new Error(`probe: ${t ? "gateway" : "mock"} answered ${timing.status}: ${timing.body}`);
          i--;
          break;
        }
        if (kind === "stream" && !timing.body.includes("data: [DONE]"))
          throw new Error(`probe: a stream from the ${t ? "gateway" : "mock"} did not end with [DONE]`);
        if (i >= warmup) times[t]?.push(timing);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  const [d, g] = times as [Timing[], Timing[]];
  const dist = (list: Timing[]) => ({
    total: usDist(list.map((x) => x.totalUs)),
    firstByte: usDist(list.map((x) => x.firstByteUs)),
  });
  const directDist = dist(d);
  const gatewayDist = dist(g);
  return {
    samples,
    direct: directDist,
    gateway: gatewayDist,
    addedUs: {
      p50: round(gatewayDist.total.p50 - directDist.total.p50, 1),
      p99: round(gatewayDist.total.p99 - directDist.total.p99, 1),
      firstByteP50: round(gatewayDist.firstByte.p50 - directDist.firstByte.p50, 1),
      firstByteP99: round(gatewayDist.firstByte.p99 - directDist.firstByte.p99, 1),
    },
    sent,
    statusCodes: refused,
  };
}

export interface OpenStreamsResult {
  requested: number;
  /** Most streams open at the same time (first byte received, end not yet). */
  maxOpen: number;
  completed: number;
  failed: number;
  rssBeforeMb: number;
  /** Highest RSS sampled while the streams were open. */
  rssOpenMb: number;
  rssAfterMb: number;
  /** Seconds from the first request to every stream having started (or the deadline). */
  allOpenAfterS: number | null;
  sent: number;
}

/**
 * Opens `count` slow streams (the mock spaces their chunks) in quick batches, and samples the
 * gateway's RSS while they are open. Every stream must end with [DONE].
 */
export async function openStreams(
  gateway: Target,
  gatewayPid: number,
  count: number,
): Promise<OpenStreamsResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const body = chatBody("stream", HOLD_USER);
  const rssBeforeMb = memory(gatewayPid).rssMb;
  let open = 0;
  let maxOpen = 0;
  let started = 0;
  let completed = 0;
  let failed = 0;
  let rssOpenMb = rssBeforeMb;
  const t0 = performance.now();
  let allOpenAfterS: number | null = null;
  const sampler = setInterval(() => {
    const { rssMb } = memory(gatewayPid);
    if (open > 0) rssOpenMb = Math.max(rssOpenMb, rssMb);
  }, 100);
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        new URL(CHAT_PATH, gateway.origin),
        {
          method: "POST",
          agent,
          headers: { ...headersFor(gateway), "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let tail = "";
          let counted = false;
          res.on("data", (part: Buffer) => {
            if (!counted) {
              counted = true;
              open++;
              started++;
              maxOpen = Math.max(maxOpen, open);
              if (started === count) allOpenAfterS = round((performance.now() - t0) / 1000, 2);
            }
            tail = (tail + part.toString("utf8")).slice(-64);
          });
          res.on("end", () => {
            if (counted) open--;
            if (res.statusCode === 200 && tail.includes("data: [DONE]")) completed++;
            else failed++;
            resolve();
          });
          res.on("error", () => {
            if (counted) open--;
            failed++;
            resolve();
          });
        },
      );
      req.on("error", () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  const all: Promise<void>[] = [];
  try {
    for (let i = 0; i < count; i += 50) {
      for (let j = i; j < Math.min(count, i + 50); j++) all.push(one());
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(all);
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
  return {
    requested: count,
    maxOpen,
    completed,
    failed,
    rssBeforeMb: round(rssBeforeMb, 1),
    rssOpenMb: round(rssOpenMb, 1),
    rssAfterMb: round(memory(gatewayPid).rssMb, 1),
    allOpenAfterS,
    sent: count,
  };
}

export interface SoakResult {
  durationS: number;
  sent: number;
  completed: number;
  non2xx: number;
  errors: number;
  /** [seconds since start, RSS MB], one a second. */
  rssSeries: Array<[number, number]>;
  rssStartMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  /** Least-squares RSS slope over the second half of the run, MB per minute. */
  rssSlopeMbPerMin: number;
}

/** Mixed load (non-stream and stream requests alternating on each connection) for `durationS`, RSS sampled every second. */
export async function soak(
  gateway: Target,
  gatewayPid: number,
  connections: number,
  durationS: number,
  /** Requests per second expected of the mixed load: the run is sized to last about `durationS`. */
  rate: number,
): Promise<SoakResult> {
  const series: Array<[number, number]> = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    series.push([round((performance.now() - t0) / 1000, 1), round(memory(gatewayPid).rssMb, 1)]);
  }, 1000);
  let result: autocannon.Result;
  try {
    result = await autocannon({
      url: `${gateway.origin}${CHAT_PATH}`,
      method: "POST",
      headers: headersFor(gateway),
      requests: [{ body: chatBody("nonstream") }, { body: chatBody("stream") }],
      connections,
      amount: Math.max(connections, Math.round(rate * durationS)),
      timeout: 30,
    });
  } finally {
    clearInterval(sampler);
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const secondHalf = series.filter(([t]) => t >= elapsedS / 2);
  const rss = series.map(([, mb]) => mb);
  return {
    durationS: round(elapsedS, 1),
    sent: result.requests.sent,
    completed: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    rssSeries: series,
    rssStartMb: rss[0] ?? Number.NaN,
    rssEndMb: rss.at(-1) ?? Number.NaN,
    rssMaxMb: Math.max(...rss),
    rssSlopeMbPerMin: round(slope(secondHalf) * 60, 2),
  };
}

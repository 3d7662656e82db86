// `npm run bench`: what the inference service adds over a zero-delay upstream. See bench/README.md.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cannon, type LoadRun, openStreams, probe, soak, type Target } from "./load.ts";
import { canPin, installCleanup, memory, pinSelf, quiesce, stopAll } from "./procs.ts";
import { summarizeProfile } from "./profile-summary.ts";
import {
  evaluateTargets,
  type ModeResult,
  markdown,
  type Report,
  summarizeLoad,
  usageCheck,
} from "./report.ts";
import type { Kind } from "./requests.ts";
import {
  type BenchKey,
  countUsage,
  type Mode,
  provision,
  ROOT,
  type StoreEnv,
  startGateway,
  startMock,
} from "./stack.ts";
import { round } from "./stats.ts";

const HELP = `npm run bench [-- options]

  --quick              short run (about 2 minutes): 3 x 3 s, 1,000 probe samples, 10 s soak
  --soak <s>           mixed-load soak of the metered gateway, RSS sampled each second
                       (default 60, quick 10; the issue's no-growth check is --soak 600)
  --connections <n>    autocannon connections (default 50)
  --duration <s>       seconds per repetition (default 10, quick 3)
  --warmup <s>         warm-up seconds before each load (default 5, quick 2)
  --reps <n>           repetitions (default 5, quick 3)
  --probe <n>          one-connection probe samples per kind (default 5000, quick 1000)
  --streams <n>        concurrent slow streams for the memory check (default 1000, 0 = skip)
  --modes <list>       metered,unmetered,floor (default all; floor: a bare Node proxy, the machine's floor)
  --kinds <list>       nonstream,stream (default both)
  --no-pin             do not pin with taskset (default: pinned when taskset and 2+ CPUs exist)
  --profile            run the gateways with --cpu-prof; profiles and summaries in <out>/profiles
  --out <dir>          report folder (default bench/results)
  --name <name>        report file name (default latest, quick for --quick)
  --keep               keep the temporary DATA_DIR

Env: DATABASE_URL / REDIS_URL are passed to the gateway when set (else embedded PGlite in a temp DATA_DIR).
`;

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      soak: { type: "string" },
      connections: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      reps: { type: "string" },
      probe: { type: "string" },
      streams: { type: "string" },
      modes: { type: "string", default: "metered,unmetered,floor" },
      kinds: { type: "string", default: "nonstream,stream" },
      "no-pin": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      out: { type: "string", default: join(ROOT, "bench/results") },
      name: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const quick = values.quick;
  const num = (name: string, raw: string | undefined, fallback: number, min = 0) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${name}: expected a number >= ${min}, got "${raw}"`);
    return value;
  };
  const list = <T extends string>(name: string, raw: string, allowed: readonly T[]): T[] => {
    const items = raw.split(",").map((s) => s.trim()) as T[];
    for (const item of items)
      if (!allowed.includes(item))
        throw new Error(`--${name}: "${item}" is not one of ${allowed.join(", ")}`);
    return items;
  };
  return {
    quick,
    soakS: num("soak", values.soak, quick ? 10 : 60),
    connections: num("connections", values.connections, 50, 1),
    durationS: num("duration", values.duration, quick ? 3 : 10, 1),
    warmupS: num("warmup", values.warmup, quick ? 2 : 5),
    reps: num("reps", values.reps, quick ? 3 : 5, 1),
    probeSamples: num("probe", values.probe, quick ? 1000 : 5000),
    streams: num("streams", values.streams, 1000),
    modes: list<Mode>("modes", values.modes, ["metered", "unmetered", "floor"]),
    kinds: list<Kind>("kinds", values.kinds, ["nonstream", "stream"]),
    pin: !values["no-pin"],
    profile: values.profile,
    out: values.out,
    name: values.name ?? (quick ? "quick" : "latest"),
    keep: values.keep,
  };
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function gitCommit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "apps/inference", "packages"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    return dirty ? `${sha} (+ uncommitted changes)` : sha;
  } catch {
    return "unknown";
  }
}

async function runMode(
  mode: Mode,
  key: BenchKey | undefined,
  store: StoreEnv,
  mock: { url: string; pid: number },
  opts: ReturnType<typeof options>,
  cpu: { gateway?: number | undefined },
  profileDir: string | undefined,
): Promise<{ result: Omit<ModeResult, "usage">; sent: number; refused: Record<string, number> }> {
  log(`${mode}: starting ${mode === "floor" ? "the floor proxy" : "the gateway"}`);
  const gateway = await startGateway({ mode, store, upstreamUrl: mock.url, cpu: cpu.gateway, profileDir });
  const pid = gateway.child.pid;
  const target: Target = {
    origin: gateway.url,
    headers: key ? { authorization: `Bearer ${key.key}` } : {},
  };
  const direct: Target = {
    origin: new URL(mock.url).origin,
    headers: { authorization: "Bearer sk-bench-upstream" },
  };
  let sent = 0;
  const refused: Record<string, number> = {};
  const check = (
    what: string,
    run: {
      non2xx: number;
      errors: number;
      completed: number;
      statusCodes?: Record<string, number>;
      failures?: string[];
    },
  ) => {
    for (const [code, count] of Object.entries(run.statusCodes ?? {}))
      if (code !== "200") refused[code] = (refused[code] ?? 0) + count;
    if (run.completed === 0)
      throw new Error(`${mode} ${what}: no request completed:\n${gateway.child.tail()}`);
    if (run.non2xx || run.errors)
      log(
        `${mode} ${what}: ${run.non2xx} non-2xx answers ${JSON.stringify(run.statusCodes ?? {})}, ${run.errors} errors${run.failures?.length ? `; first: ${run.failures[0]}` : ""}`,
      );
  };
  const result: Omit<ModeResult, "usage"> = { mode, load: {}, probe: {}, peakRssMb: 0, exit: "" };
  const pids = { gateway: pid, mock: mock.pid };
  const rates: Partial<Record<Kind, number>> = {};
  for (const kind of opts.kinds) {
    // A short calibration gives the rate that sizes the warm-up and the runs (by request count).
    const calibration = await cannon(target, kind, opts.connections, opts.connections * 10, pids);
    sent += calibration.sent;
    check("calibration", calibration);
    let rate = calibration.rps;
    if (opts.warmupS > 0) {
      log(`${mode} ${kind}: warm-up ${opts.warmupS} s`);
      const warm = await cannon(target, kind, opts.connections, rate * opts.warmupS, pids);
      sent += warm.sent;
      check("warm-up", warm);
      rate = warm.rps;
    }
    const runs: LoadRun[] = [];
    for (let i = 0; i < opts.reps; i++) {
      const run = await cannon(target, kind, opts.connections, rate * opts.durationS, pids);
      sent += run.sent;
      check(`run ${i + 1}`, run);
      runs.push(run);
      rate = run.rps;
      rates[kind] = run.rps;
      log(
        `${mode} ${kind} ${i + 1}/${opts.reps}: ${run.rps} req/s, p50 ${run.latencyP50Ms} ms, p99 ${run.latencyP99Ms} ms, ${run.cpuMsPerRequest} ms CPU/req (core ${run.gatewayCpuShare})`,
      );
    }
    result.load[kind] = summarizeLoad(runs);
  }
  if (opts.probeSamples > 0) {
    log(`${mode}: waited ${await quiesce(pid)} ms for the gateway to go idle before the probe`);
    for (const kind of opts.kinds) {
      const p = await probe(direct, target, kind, opts.probeSamples);
      sent += p.sent;
      for (const [code, count] of Object.entries(p.statusCodes)) refused[code] = (refused[code] ?? 0) + count;
      result.probe[kind] = p;
      log(
        `${mode} ${kind} probe: added p50 ${p.addedUs.p50} µs, p99 ${p.addedUs.p99} µs, first byte p50 ${p.addedUs.firstByteP50} µs`,
      );
    }
  }
  if (opts.streams > 0) {
    log(`${mode}: ${opts.streams} concurrent streams`);
    const os = await openStreams(target, pid, opts.streams);
    sent += os.sent;
    result.openStreams = os;
    log(
      `${mode} streams: ${os.maxOpen} open at once, RSS ${os.rssBeforeMb} -> ${os.rssOpenMb} MB, ${os.completed} completed, ${os.failed} failed`,
    );
  }
  if (opts.soakS > 0 && mode === "metered") {
    log(`${mode}: soak ${opts.soakS} s`);
    // Alternating kinds: the mean time per request is the mean of the two.
    const known = Object.values(rates);
    const rate = known.length ? known.length / known.reduce((a, r) => a + 1 / r, 0) : 500;
    const s = await soak(target, pid, opts.connections, opts.soakS, rate);
    sent += s.sent;
    check("soak", s);
    result.soak = s;
    log(
      `${mode} soak: RSS ${s.rssStartMb} -> ${s.rssEndMb} MB (max ${s.rssMaxMb}), ${s.rssSlopeMbPerMin} MB/min`,
    );
  }
  result.peakRssMb = round(memory(pid).peakRssMb, 1);
  result.exit = await gateway.child.stop(30_000);
  if (result.exit !== "exit 0")
    log(`${mode}: the gateway ended with ${result.exit}:\n${gateway.child.tail()}`);
  return { result, sent, refused };
}

async function main(): Promise<void> {
  const opts = options();
  installCleanup();
  const pin = opts.pin ? canPin() : { ok: false, why: "--no-pin" };
  if (opts.pin && !pin.ok) log(`not pinned: ${pin.why}`);
  if (pin.ok) pinSelf(1);
  const cpu = { gateway: pin.ok ? 0 : undefined, load: pin.ok ? 1 : undefined };
  const dataDir = mkdtempSync(join(tmpdir(), "gw-bench-"));
  const store: StoreEnv = {
    DATA_DIR: dataDir,
    DATABASE_URL: process.env.DATABASE_URL || undefined,
    REDIS_URL: process.env.REDIS_URL || undefined,
  };
  const profileDir = opts.profile ? join(opts.out, "profiles") : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const loadAverage = loadavg().map((l) => round(l, 2));
  try {
    log(`provisioning an organization and keys (operator CLI), DATA_DIR ${dataDir}`);
    const gatewayModes = opts.modes.filter((m) => m !== "floor");
    const keys = await provision(store, `bench-${randomBytes(3).toString("hex")}`, gatewayModes);
    const holdChunkMs = 300;
    const mock = await startMock(cpu.load, holdChunkMs);
    log(`mock upstream at ${mock.url}`);
    const results: Array<Awaited<ReturnType<typeof runMode>>> = [];
    for (const mode of opts.modes) {
      results.push(
        await runMode(mode, keys[mode], store, { url: mock.url, pid: mock.child.pid }, opts, cpu, profileDir),
      );
    }
    await mock.child.stop();
    log("counting usage rows");
    const counts = await countUsage(
      store,
      gatewayModes.map((m) => keys[m]!.id),
    );
    const modes: ModeResult[] = results.map(({ result, sent, refused }) => ({
      ...result,
      usage: usageCheck(
        result.mode,
        sent,
        counts[keys[result.mode]?.id ?? ""] ?? { total: 0, byOutcome: {} },
        refused,
      ),
    }));
    const report: Report = {
      meta: {
        date: new Date().toISOString(),
        run: opts.quick ? "--quick" : "default",
        commit: gitCommit(),
        node: process.version,
        cpu: `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}`,
        pinned: pin.ok ? "pinned: gateway on CPU 0, mock + load on CPU 1" : `not pinned (${pin.why})`,
        store: `${store.DATABASE_URL ? "PostgreSQL" : "PGlite (embedded)"}, ${store.REDIS_URL ? "Redis" : "in-process limits"}`,
        loadAverage: loadAverage.join(" "),
        connections: opts.connections,
        reps: opts.reps,
        durationS: opts.durationS,
        warmupS: opts.warmupS,
        probeSamples: opts.probeSamples,
        streams: opts.streams,
        soakS: opts.soakS,
        mockChunks: 20,
        holdChunkMs,
      },
      modes,
      targets: evaluateTargets(
        modes.find((m) => m.mode === "metered"),
        600,
      ),
    };
    mkdirSync(opts.out, { recursive: true });
    const text = markdown(report);
    writeFileSync(join(opts.out, `${opts.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    // The remaining gaps, their profile evidence and what would close them, kept by hand in
    // <out>/gaps.md, are part of the report (the issue's "Done when").
    const gapsFile = join(opts.out, "gaps.md");
    const gaps = existsSync(gapsFile) ? `\n${readFileSync(gapsFile, "utf8")}` : "";
    writeFileSync(join(opts.out, `${opts.name}.md`), `# Gateway benchmark\n\n${text}${gaps}`);
    if (profileDir) {
      for (const mode of opts.modes) {
        const dir = join(profileDir, mode);
        if (!existsSync(dir)) continue;
        // The main thread's profile is the largest; any others are worker threads'.
        const files = readdirSync(dir)
          .filter((f) => f.endsWith(".cpuprofile"))
          .map((f) => ({ f, size: statSync(join(dir, f)).size }))
          .sort((a, b) => b.size - a.size);
        const main = files[0];
        if (!main) continue;
        renameSync(join(dir, main.f), join(profileDir, `${mode}.cpuprofile`));
        rmSync(dir, { recursive: true, force: true });
        const summary = summarizeProfile(join(profileDir, `${mode}.cpuprofile`));
        writeFileSync(join(profileDir, `${mode}.md`), `${summary}\n`);
      }
      log(`profiles in ${profileDir}`);
    }
    process.stdout.write(`\n${text}\n`);
    log(`wrote ${join(opts.out, `${opts.name}.json`)} and .md`);
    const failed = modes.filter((m) => !m.usage.verified);
    if (failed.length) log(`usage rows do not match requests for: ${failed.map((m) => m.mode).join(", ")}`);
  } finally {
    await stopAll();
    if (!opts.keep && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch(async (error: unknown) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
});

// The processes under test: the zero-delay mock upstream (under tsx) and the inference service,
// started the way production starts it (its bundle, built once per run, on plain node with
// NODE_ENV=production), an organization, credit and keys provisioned with the operator CLI, and the
// usage rows counted afterwards.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase } from "@gw/db";
import { type Child, spawnChild } from "./procs.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// Plain JavaScript, so it preloads into the gateway's node as well as under tsx.
const GUARD = join(ROOT, "bench/src/orphan-guard.mjs");
const GATEWAY_BUNDLE = "apps/inference/dist/server.js";
const FLOOR_PROXY = join(ROOT, "bench/src/floor-proxy.mjs");

/**
 * metered / unmetered: the gateway with METERING on / off. floor: not the gateway but the least a
 * Node proxy adds on this machine (floor-proxy.mjs), for reading the other two against.
 */
export type Mode = "metered" | "unmetered" | "floor";

export interface StoreEnv {
  DATA_DIR: string;
  DATABASE_URL?: string | undefined;
  REDIS_URL?: string | undefined;
}

function baseEnv(store: StoreEnv): NodeJS.ProcessEnv {
  // A clean environment: no provider keys or settings of the calling shell leak into the runs.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: store.DATA_DIR };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  if (store.DATABASE_URL) env.DATABASE_URL = store.DATABASE_URL;
  if (store.REDIS_URL) env.REDIS_URL = store.REDIS_URL;
  return env;
}

const nodeArgs = (script: string, extra: string[] = []) => [
  "--import",
  "tsx",
  "--import",
  GUARD,
  ...extra,
  script,
];

let gatewayBuild: Promise<void> | undefined;

/** The production bundle (what `npm run build -w @gw/inference` makes), built once per benchmark run. */
function buildGateway(): Promise<void> {
  gatewayBuild ??= new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ["scripts/build-server.mjs", "apps/inference"],
      { cwd: ROOT, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`building the gateway failed: ${`${stdout}${stderr}`.trim() || error.message}`));
        else resolvePromise();
      },
    );
  });
  return gatewayBuild;
}

/** Runs the operator CLI (`npm run cli -- ...`) and returns its stdout. */
export async function cli(store: StoreEnv, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "packages/db/src/cli/main.ts", ...args],
      { cwd: ROOT, env: baseEnv(store), timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`cli ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
        else resolvePromise(stdout);
      },
    );
  });
}

export interface BenchKey {
  key: string;
  id: string;
}

/**
 * A fresh organization with ample credit and one key per mode. The keys have very high request and
 * token limits (the columns are 32-bit), so the rate limiter does all its work on every request
 * without ever refusing one.
 */
export async function provision(
  store: StoreEnv,
  slug: string,
  modes: Mode[],
): Promise<Partial<Record<Mode, BenchKey>>> {
  await cli(store, ["seed"]);
  await cli(store, ["orgs", "create", slug, "--name", "Benchmark"]);
  await cli(store, ["credits", "grant", slug, "1000000", "--note", "benchmark"]);
  const keys: Partial<Record<Mode, BenchKey>> = {};
  for (const mode of modes) {
    const out = await cli(store, [
      "keys",
      "create",
      slug,
      "--name",
      `bench-${mode}`,
      "--rpm",
      "1000000000",
      "--tpm",
      "2000000000",
    ]);
    const lines = out.trim().split("\n");
    const id = /\(([0-9a-f-]{36})\)/.exec(lines[0] ?? "")?.[1];
    const key = lines.at(-1)?.trim();
    if (!id || !key?.startsWith("sk-")) throw new Error(`cli keys create: unexpected output:\n${out}`);
    keys[mode] = { key, id };
  }
  return keys;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  return port;
}

export interface Running {
  url: string;
  child: Child;
}

export async function startMock(cpu: number | undefined, holdChunkMs: number): Promise<Running> {
  const child = spawnChild("mock", process.execPath, nodeArgs(join(ROOT, "bench/src/mock-upstream.ts")), {
    cwd: ROOT,
    cpu,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOLD_CHUNK_MS: String(holdChunkMs) },
  });
  const url = await new Promise<string>((resolvePromise, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const line = buffered.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      child.proc.stdout?.off("data", onData);
      resolvePromise((JSON.parse(line) as { url: string }).url);
    };
    child.proc.stdout?.on("data", onData);
    child.exited.then((how) => reject(new Error(`mock upstream exited (${how}):\n${child.tail()}`)));
    setTimeout(() => reject(new Error(`mock upstream did not start in 60 s:\n${child.tail()}`)), 60_000);
  });
  return { url, child };
}

export interface GatewayOptions {
  mode: Mode;
  store: StoreEnv;
  upstreamUrl: string;
  cpu: number | undefined;
  /** Write a V8 CPU profile of the whole run into this folder. */
  profileDir?: string | undefined;
}

export async function startGateway(options: GatewayOptions): Promise<Running> {
  await buildGateway();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(options.store),
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    INFERENCE_PORT: String(port),
    METERING: options.mode === "metered" ? "on" : "off",
    DEMO_PROVIDER: "off",
    OPENAI_API_KEY: "sk-bench-upstream",
    OPENAI_BASE_URL: options.upstreamUrl,
  };
  // One profile per thread, in a folder per mode.
  const profile = options.profileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, options.mode)}`]
    : [];
  const floor = options.mode === "floor";
  const child = spawnChild(
    floor ? "floor proxy" : `gateway (${options.mode})`,
    process.execPath,
    floor
      ? ["--import", GUARD, ...profile, FLOOR_PROXY]
      : ["--enable-source-maps", "--import", GUARD, ...profile, GATEWAY_BUNDLE],
    {
      cwd: ROOT,
      cpu: options.cpu,
      env: floor ? { PATH: process.env.PATH, UPSTREAM_URL: options.upstreamUrl, PORT: String(port) } : env,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let exited: string | undefined;
  child.exited.then((how) => {
    exited = how;
  });
  for (;;) {
    if (exited) throw new Error(`${child.name} exited at start (${exited}):\n${child.tail()}`);
    if (Date.now() > deadline) throw new Error(`${child.name} not ready in 90 s:\n${child.tail()}`);
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

export interface UsageCount {
  total: number;
  byOutcome: Record<string, number>;
}

/** Usage rows per key, read from the database after the gateways have stopped (PGlite serves one process). */
export async function countUsage(store: StoreEnv, keyIds: string[]): Promise<Record<string, UsageCount>> {
  const db = await createDatabase({ databaseUrl: store.DATABASE_URL, dataDir: store.DATA_DIR });
  try {
    const rows = await db.prisma.usageRecord.groupBy({
      by: ["apiKeyId", "outcome"],
      where: { apiKeyId: { in: keyIds } },
      _count: { _all: true },
    });
    const counts: Record<string, UsageCount> = {};
    for (const id of keyIds) counts[id] = { total: 0, byOutcome: {} };
    for (const row of rows) {
      const entry = counts[row.apiKeyId];
      if (!entry) continue;
      entry.total += row._count._all;
      entry.byOutcome[row.outcome] = row._count._all;
    }
    return counts;
  } finally {
    await db.close();
  }
}

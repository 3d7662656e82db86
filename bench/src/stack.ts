// The processes under test: the zero-delay mock upstream and the inference service, each started
// the way production starts them (node with the tsx loader, NODE_ENV=production), an organization,
// credit and keys provisioned with the operator CLI, and the usage rows counted afterwards.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase } from "@gw/db";
import { type Child, spawnChild } from "./procs.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const GUARD = join(ROOT, "bench/src/orphan-guard.ts");

export type Mode = "metered" | "unmetered";

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
): Promise<Record<Mode, BenchKey>> {
  await cli(store, ["seed"]);
  await cli(store, ["orgs", "create", slug, "--name", "Benchmark"]);
  await cli(store, ["credits", "grant", slug, "1000000", "--note", "benchmark"]);
  const keys = {} as Record<Mode, BenchKey>;
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
  // One profile per thread (the main thread and tsx's module-loader worker), in a folder per mode.
  const profile = options.profileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, options.mode)}`]
    : [];
  const child = spawnChild(
    `gateway (${options.mode})`,
    process.execPath,
    nodeArgs("apps/inference/src/server.ts", profile),
    { cwd: ROOT, cpu: options.cpu, env },
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

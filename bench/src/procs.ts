// Child processes of the benchmark and what /proc says about them. Every child is registered and
// ended when the benchmark ends, fails or is interrupted; each child also watches its stdin (the
// orphan guard), so even a benchmark killed with SIGKILL leaves nothing running.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Last lines of stderr and stdout, for error messages. */
  tail(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<string>;
}

const children = new Set<Child>();

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Pin to this CPU with taskset. */
  cpu?: number | undefined;
}

export function spawnChild(name: string, command: string, args: string[], options: SpawnOptions): Child {
  const [file, argv] =
    options.cpu === undefined ? [command, args] : ["taskset", ["-c", String(options.cpu), command, ...args]];
  const proc = spawn(file, argv, { env: options.env, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(line);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  proc.stderr?.on("data", keep);
  proc.stdout?.on("data", keep);
  proc.stdin?.on("error", () => {});
  const exited = new Promise<string>((resolve) => {
    proc.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`));
    proc.once("error", (error) => resolve(`spawn failed: ${error.message}`));
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${file}`);
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    tail: () => lines.join("\n"),
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
      return exited;
    },
  };
  children.add(child);
  exited.then(() => children.delete(child));
  return child;
}

/** Ends every child still running (SIGTERM, then SIGKILL). */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => child.stop(5_000)));
}

let installed = false;
/** Children are ended on every way out: normal end, error, Ctrl-C, SIGTERM. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, stopping child processes\n`);
    stopAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", () => {
    for (const child of children) child.proc.kill("SIGKILL");
  });
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of a process (all its threads), in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks;
}

/**
 * Waits until the process has been nearly idle (under 2% of a core) for a whole `windowMs`, at most
 * `maxMs`: after a load the gateway still writes its usage backlog (PostgreSQL busy too), which a
 * one-connection probe would otherwise measure. Returns the ms waited.
 */
export async function quiesce(pid: number, windowMs = 1_000, maxMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = cpuMs(pid);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    if (cpuMs(pid) - before < windowMs * 0.02 || Date.now() - started > maxMs) return Date.now() - started;
  }
}

/** Resident set size now and its peak (VmHWM), in MB. */
export function memory(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
}

/** Whether the gateway can have a core of its own: taskset present and at least two CPUs. */
export function canPin(): { ok: boolean; why?: string } {
  if (process.platform !== "linux") return { ok: false, why: "not Linux" };
  if (availableParallelism() < 2) return { ok: false, why: "fewer than 2 CPUs" };
  const found = ["/usr/bin/taskset", "/bin/taskset", "/usr/local/bin/taskset"].some((p) => existsSync(p));
  if (!found) return { ok: false, why: "taskset not found (util-linux)" };
  return { ok: true };
}

/** Pins this process (the load generator and probes) to one CPU. */
export function pinSelf(cpu: number): void {
  execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(process.pid)], { stdio: "ignore" });
}

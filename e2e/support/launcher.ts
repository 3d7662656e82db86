// Starts the platform the way a newcomer does (`tsx scripts/start.ts`: one process, embedded
// database in a fresh temp folder, both servers on free ports) and stops it again.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "..", "..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

export interface Launched {
  portalUrl: string;
  inferenceUrl: string;
  /** Everything the launcher printed so far. */
  output(): string;
  stop(): Promise<number | null>;
}

export async function startLauncher(
  extraEnv: Record<string, string> = {},
  timeoutMs = 90_000,
): Promise<Launched> {
  const [inferencePort, portalPort] = [await freePort(), await freePort()];
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const inferenceUrl = `http://127.0.0.1:${inferencePort}/v1`;
  const env = {
    ...process.env,
    DATABASE_URL: "",
    REDIS_URL: "",
    DATA_DIR: mkdtempSync(join(tmpdir(), "gw-journey-")),
    INFERENCE_PORT: String(inferencePort),
    PORTAL_PORT: String(portalPort),
    ALLOWED_ORIGINS: portalUrl,
    INFERENCE_PUBLIC_URL: inferenceUrl,
    PORTAL_PUBLIC_URL: portalUrl,
    PORTAL_ORIGINS: portalUrl,
    DEMO_TOKEN_DELAY_MS: "20",
    LOG_LEVEL: "warn",
    ...extraEnv,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: repoRoot, env });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const stopOnExit = () => child.kill("SIGKILL");
  process.once("exit", stopOnExit);
  await waitFor(
    child,
    () => /LLM gateway is running/.test(output),
    () => output,
    timeoutMs,
  );
  return {
    portalUrl,
    inferenceUrl,
    output: () => output,
    stop: () => stop(child, stopOnExit),
  };
}

function waitFor(child: ChildProcess, ready: () => boolean, output: () => string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`the launcher did not start within ${ms} ms:\n${output()}`)),
      ms,
    );
    const poll = setInterval(() => ready() && done(), 100);
    const onExit = (code: number | null) => done(new Error(`the launcher exited with ${code}:\n${output()}`));
    child.once("exit", onExit);
    function done(error?: Error) {
      clearTimeout(timer);
      clearInterval(poll);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    }
  });
}

function stop(child: ChildProcess, stopOnExit: () => void): Promise<number | null> {
  process.off("exit", stopOnExit);
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", (code) => {
      clearTimeout(force);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

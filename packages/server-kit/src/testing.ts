// Test support: a server app's production bundle, built by the app's own `npm run build` and run
// in a child process the way production runs it (`node --enable-source-maps dist/server.js`).
// Test code only: apps never import this.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface BundledServer {
  url: string;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM (the graceful close), SIGKILL after 10 s; resolves with the exit code. Idempotent. */
  stop(): Promise<number | null>;
  /** SIGKILL at once (a crash: no close, no flush); resolves when the process is gone. */
  kill(): Promise<void>;
}

export interface BundledServerOptions {
  /** The app's folder, e.g. apps/inference. */
  appDir: string;
  /** The variable the app takes its port from, e.g. INFERENCE_PORT. */
  portVariable: string;
  /** The server's whole environment besides PATH, HOME and the port: nothing of the caller's leaks in. */
  env: Record<string, string>;
  timeoutMs?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

function build(appDir: string, outfile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("npm", ["run", "build", "--", "--outfile", outfile], { cwd: appDir }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm run build failed in ${appDir}:\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/**
 * Builds the app's bundle into a file of its own beside dist/server.js (the same depth and
 * node_modules, so it resolves what the production bundle does; a concurrent `npm run build` is
 * undisturbed), starts it and waits until `/ready` answers 200. The bundle is removed on stop.
 */
export async function startBundledServer(options: BundledServerOptions): Promise<BundledServer> {
  const outfile = join(options.appDir, "dist", `server.test-${randomBytes(4).toString("hex")}.js`);
  const removeBundle = () => {
    for (const file of [outfile, `${outfile}.map`]) rmSync(file, { force: true });
  };
  try {
    await build(options.appDir, outfile);
  } catch (error) {
    removeBundle();
    throw error;
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { ...options.env, [options.portVariable]: String(port) };
  for (const name of ["PATH", "HOME", "TMPDIR"]) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  const child = spawn(process.execPath, ["--enable-source-maps", outfile], { cwd: options.appDir, env });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A test run that ends without stop() (a crash, an interrupted run) leaves nothing running.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let stopping: Promise<number | null> | undefined;
  const stopWith = (signal: NodeJS.Signals) => {
    stopping ??= (async () => {
      process.off("exit", killOnExit);
      const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      clearTimeout(force);
      removeBundle();
      return code;
    })();
    return stopping;
  };
  const stop = () => stopWith("SIGTERM");
  const kill = async () => {
    await stopWith("SIGKILL");
  };

  // Generous: a busy 2-core machine can take a while to start a bundle; the wait ends at readiness.
  const readyWithinMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + readyWithinMs;
  let exitCode: number | null | undefined;
  exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`the bundle exited at start (${exitCode}):\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the bundle was not ready within ${readyWithinMs} ms:\n${output}`);
    }
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, output: () => output, stop, kill };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

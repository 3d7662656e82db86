// `npm start` as a newcomer runs it: one process, embedded database, both servers up.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${output}`)), ms);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
});

describe("npm start", () => {
  it("starts both servers in one process on the embedded database, prints a working first key, and refuses a second start", async () => {
    const [inferencePort, portalPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      DATABASE_URL: "",
      REDIS_URL: "",
      DATA_DIR: mkdtempSync(join(tmpdir(), "gw-start-")),
      INFERENCE_PORT: String(inferencePort),
      PORTAL_PORT: String(portalPort),
      LOG_LEVEL: "warn",
    };
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: root, env });
    children.push(child);
    const output = await waitForLine(child, /"content":"Hello!"/, 90_000);
    expect(output).toContain(`Portal:        http://127.0.0.1:${portalPort}`);
    expect(output).toMatch(/embedded PGlite/);

    for (const port of [inferencePort, portalPort]) {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await response.json()).toEqual({ status: "ok" });
    }
    // The first run printed a key; the demo model answers it, as the printed curl would.
    const key = /^\s+(sk-[0-9A-Za-z]{43})$/m.exec(output)?.[1];
    expect(key).toBeDefined();
    const chat = await fetch(`http://127.0.0.1:${inferencePort}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "Hello!" }] }),
    });
    expect(chat.status).toBe(200);
    expect((await chat.json()).choices[0].message.content).toContain("Hello!");

    const page = await fetch(`http://127.0.0.1:${portalPort}/`, { headers: { accept: "text/html" } });
    expect(await page.text()).toContain('<div id="root">');

    // The same data folder cannot be opened by a second process.
    const second = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      cwd: root,
      env: { ...env, INFERENCE_PORT: "0", PORTAL_PORT: "0" },
    });
    const exit = await new Promise<{ code: number | null; output: string }>((resolve) => {
      let text = "";
      second.stderr.on("data", (c: Buffer) => {
        text += c.toString();
      });
      second.on("exit", (code) => resolve({ code, output: text }));
    });
    expect(exit.code).not.toBe(0);
    expect(exit.output).toContain(`already open in process ${child.pid}`);

    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
  });
});

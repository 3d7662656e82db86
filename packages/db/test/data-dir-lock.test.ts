import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockDataDir } from "../src/data-dir-lock.ts";
import { createDatabase, DataDirLockedError } from "../src/index.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "gw-lock-"));

describe("embedded data folder lock", () => {
  it("refuses a second opener and names the holder", () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`process ${process.pid} `));
    } finally {
      release();
    }
    expect(existsSync(join(dir, "gateway.lock"))).toBe(false);
    lockDataDir(dir)();
  });

  it("takes over a lock left by a process that no longer runs", () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
    writeFileSync(
      join(dir, "gateway.lock"),
      JSON.stringify({ pid: dead, host: hostname(), command: "old", since: "then" }),
    );
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, "gateway.lock"), "utf8")).pid).toBe(process.pid);
    release();
  });

  it("keeps another process out of an open PGlite folder", async () => {
    const dir = tempDir();
    const db = await createDatabase({ dataDir: dir });
    try {
      const child = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "-e",
          `import("${join(import.meta.dirname, "../src/client.ts")}").then(m => m.createDatabase({ dataDir: ${JSON.stringify(dir)} })).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`,
        ],
        { encoding: "utf8", cwd: join(import.meta.dirname, "..") },
      );
      expect(child.status).toBe(3);
      expect(child.stderr).toContain(`already open in process ${process.pid}`);
      expect(child.stderr).toContain("set DATABASE_URL");
    } finally {
      await db.close();
    }
  });
});

// The service as it ships: `npm run build` bundles src/server.ts into dist/server.js, which runs on
// plain node (no tsx) against an empty embedded data folder: it migrates, serves and closes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMigrations } from "@gw/db";
import { appliedMigrationNames } from "@gw/db/testing";
import { type BundledServer, startBundledServer } from "@gw/server-kit/testing";
import { afterAll, describe, expect, it } from "vitest";

const dataDir = mkdtempSync(join(tmpdir(), "gw-inference-bundle-"));
let server: BundledServer | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("inference production bundle", () => {
  it("starts on an empty data folder, migrates it, answers /v1 in the OpenAI error shape and closes gracefully", async () => {
    server = await startBundledServer({
      appDir: join(import.meta.dirname, ".."),
      portVariable: "INFERENCE_PORT",
      env: { DATA_DIR: dataDir, NODE_ENV: "production", LOG_LEVEL: "warn" },
    });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/ready`);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok" } });

    // Every key is looked up in the api_keys table: a 401, not a 503, means the table is there.
    const models = await fetch(`${server.url}/v1/models`, {
      headers: { authorization: "Bearer sk-not-a-key-of-this-gateway" },
    });
    expect(models.status).toBe(401);
    expect(await models.json()).toEqual({
      error: {
        message: "Incorrect API key provided: sk-not***ay.",
        type: "authentication_error",
        param: null,
        code: "invalid_api_key",
      },
    });

    expect(await server.stop()).toBe(0);
    // The folder the bundle started on holds every migration, recorded as applied.
    expect(await appliedMigrationNames({ dataDir })).toEqual(
      readMigrations().map((migration) => migration.name),
    );
  }, 180_000);
});

// The portal server as it ships: `npm run build` bundles src/server.ts into dist/server.js, which
// runs on plain node (no tsx) against an empty embedded data folder: it migrates, serves its
// procedures and the built web app from apps/portal-web/dist, and closes.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMigrations } from "@gw/db";
import { appliedMigrationNames } from "@gw/db/testing";
import { type BundledServer, startBundledServer } from "@gw/server-kit/testing";
import { afterAll, describe, expect, it } from "vitest";

const appDir = join(import.meta.dirname, "..");
const dataDir = mkdtempSync(join(tmpdir(), "gw-portal-bundle-"));
let server: BundledServer | undefined;

/** The result of a tRPC query (superjson-encoded). */
async function queryResult(response: Response): Promise<unknown> {
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json;
}

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("portal-server production bundle", () => {
  it("starts on an empty data folder, migrates it, answers procedures, serves the web app and closes gracefully", async () => {
    server = await startBundledServer({
      appDir,
      portVariable: "PORTAL_PORT",
      env: {
        DATA_DIR: dataDir,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        INFERENCE_PUBLIC_URL: "https://api.gateway.test/v1",
      },
    });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: "ok" });

    const config = await fetch(`${server.url}/trpc/config.get`);
    expect(config.status).toBe(200);
    expect(await queryResult(config)).toEqual({
      inferenceUrl: "https://api.gateway.test/v1",
      stripeEnabled: false,
      mailEnabled: false,
      byokEnabled: false,
    });
    // A session cookie is looked up in the sessions table: an answer of null means the table is there.
    const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie: "gw_session=not-a-session" } });
    expect(me.status).toBe(200);
    expect(await queryResult(me)).toBeNull();

    // The web app's default folder is found from dist/ as from src/ (`npm test` builds it first).
    const page = await fetch(`${server.url}/`, { headers: { accept: "text/html" } });
    const built = existsSync(join(appDir, "../portal-web/dist/index.html"));
    expect(page.status).toBe(built ? 200 : 503);
    if (built) expect(await page.text()).toContain('<div id="root">');

    expect(await server.stop()).toBe(0);
    // The folder the bundle started on holds every migration, recorded as applied.
    expect(await appliedMigrationNames({ dataDir })).toEqual(
      readMigrations().map((migration) => migration.name),
    );
  }, 180_000);
});

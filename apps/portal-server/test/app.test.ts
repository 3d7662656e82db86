import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { parsePortalEnv } from "../src/env.ts";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

function fakeDist() {
  const dir = mkdtempSync(join(tmpdir(), "gw-web-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>portal</title>");
  writeFileSync(join(dir, "app.js"), "console.log(1)");
  return dir;
}

describe("portal server", () => {
  it("serves health, the web app, its client-side routes, and JSON 404s for API paths", async () => {
    const app = await buildApp({
      env: parsePortalEnv({ LOG_LEVEL: "silent", PORTAL_WEB_DIST: fakeDist() }),
      db,
    });
    try {
      expect((await app.inject("/health")).json()).toEqual({ status: "ok" });
      expect((await app.inject("/ready")).statusCode).toBe(200);
      const index = await app.inject({ url: "/", headers: { accept: "text/html" } });
      expect(index.statusCode).toBe(200);
      expect(index.body).toContain("<title>portal</title>");
      expect((await app.inject("/app.js")).body).toBe("console.log(1)");
      const deepLink = await app.inject({ url: "/orgs/acme/keys", headers: { accept: "text/html" } });
      expect(deepLink.statusCode).toBe(200);
      expect(deepLink.body).toContain("<title>portal</title>");
      const api = await app.inject({ url: "/webhooks/nothing", headers: { accept: "text/html" } });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toEqual({ error: { message: "Not found", code: "NOT_FOUND" } });
    } finally {
      await app.close();
    }
  });

  it("says so when the web app is not built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "gw-web-"));
    const app = await buildApp({ env: parsePortalEnv({ LOG_LEVEL: "silent", PORTAL_WEB_DIST: empty }), db });
    try {
      const response = await app.inject("/");
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain("npm run build");
    } finally {
      await app.close();
    }
  });
});

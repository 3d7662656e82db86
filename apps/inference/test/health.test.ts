import { createTestDatabase } from "@gw/db/testing";
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { parseInferenceEnv } from "../src/env.ts";

describe("inference health", () => {
  it("answers /health, and /ready only while the database answers", async () => {
    const db = await createTestDatabase();
    const app = await buildApp({ env: parseInferenceEnv({ LOG_LEVEL: "silent" }), db });
    try {
      expect((await app.inject("/health")).json()).toEqual({ status: "ok" });
      const ready = await app.inject("/ready");
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: "ready", checks: { database: "ok" } });
      await db.close();
      const down = await app.inject("/ready");
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: "unavailable", checks: { database: "unreachable" } });
    } finally {
      await app.close();
    }
  });

  it("refuses a bad environment naming the variable", () => {
    expect(() => parseInferenceEnv({ INFERENCE_PORT: "http" })).toThrow(/INFERENCE_PORT/);
    expect(() => parseInferenceEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(parseInferenceEnv({ DATABASE_URL: "", REDIS_URL: "" })).toMatchObject({
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      INFERENCE_PORT: 3000,
    });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createDatabase, type Database, MigrationError, readMigrations } from "../src/index.ts";
import { createTestDatabase } from "../src/testing.ts";

const opened: Database[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

async function fresh() {
  const db = await createTestDatabase({ migrate: false });
  opened.push(db);
  return db;
}

const history = (db: Database) =>
  db.withRunner((r) =>
    r.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    ),
  );

describe("migrate", () => {
  it("applies every migration once, in order, recording Prisma-compatible history", async () => {
    const db = await fresh();
    const all = readMigrations();
    expect(all.length).toBeGreaterThan(0);
    expect((await db.migrate()).applied).toEqual(all.map((m) => m.name));
    expect(await db.migrate()).toEqual({ applied: [], alreadyApplied: all.map((m) => m.name) });
    const rows = await history(db);
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(all.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it("applies each migration exactly once when callers start at the same time", async () => {
    const db = await fresh();
    // With PostgreSQL these are separate connections queueing on the advisory lock.
    const results = await Promise.all([db.migrate(), db.migrate(), db.migrate()]);
    const appliedCount = results.reduce((n, r) => n + r.applied.length, 0);
    expect(appliedCount).toBe(readMigrations().length);
    expect(await history(db)).toHaveLength(readMigrations().length);
  });

  it("rolls a failing migration back whole and records nothing", async () => {
    const db = await fresh();
    const broken = [
      ...readMigrations(),
      {
        name: "29990101000000_broken",
        sql: `CREATE TABLE "half" ("id" INT); SELECT * FROM nowhere;`,
        checksum: "x",
      },
    ];
    await expect(db.migrate(broken)).rejects.toThrow(/29990101000000_broken failed and was rolled back/);
    const tables = await db.withRunner((r) =>
      r.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'half'`),
    );
    expect(tables).toEqual([]);
    expect((await history(db)).map((r) => r.migration_name)).toEqual(readMigrations().map((m) => m.name));
  });

  it("refuses an applied migration whose file changed, and a database newer than the code", async () => {
    const db = await fresh();
    await db.migrate();
    const edited = readMigrations().map((m) => ({ ...m, checksum: "0".repeat(64) }));
    await expect(db.migrate(edited)).rejects.toThrow(MigrationError);
    await expect(db.migrate(edited)).rejects.toThrow(/checksum mismatch/);
    await expect(db.migrate([])).rejects.toThrow(/newer than this release/);
  });
});

describe("database client", () => {
  it("ping rejects once the database is closed", async () => {
    const db = await createDatabase({});
    await db.ping();
    await db.close();
    await expect(db.ping(500)).rejects.toThrow();
  });
});

import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { SqlRunner } from "./sql-runner.ts";

// The package's folder found by module resolution, not from this file's location: the code also
// runs bundled into an app (apps/*/dist/server.js), where `import.meta.url` is the bundle's.
const packageDir = dirname(createRequire(import.meta.url).resolve("@gw/db/package.json"));
export const defaultMigrationsDir = join(packageDir, "prisma/migrations");

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql` in name order, as Prisma lays them out. */
export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

// The same table `prisma migrate deploy` keeps, so its status agrees where the engine exists.
const CREATE_HISTORY = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Any constant shared by every migrating process; they queue on it.
const ADVISORY_LOCK_ID = 7_245_001;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies pending migrations in order, each in its own transaction together with its history
 * row. Concurrent callers serialize on a PostgreSQL advisory lock, so two processes starting at
 * once apply each migration exactly once. An applied migration whose file has since changed, or
 * a failed one left by another tool, stops the run with a clear error.
 */
export async function migrate(
  runner: SqlRunner,
  migrations: Migration[] = readMigrations(),
): Promise<MigrateResult> {
  await runner.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_ID]);
  try {
    await runner.exec(CREATE_HISTORY);
    const rows = await runner.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`);
    const known = new Map(rows.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r]));
    const result: MigrateResult = { applied: [], alreadyApplied: [] };

    for (const migration of migrations) {
      const row = known.get(migration.name);
      if (row) {
        if (!row.finished_at) {
          throw new MigrationError(
            `Migration ${migration.name} was started but never finished; resolve it before migrating again.`,
          );
        }
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was changed after it was applied (checksum mismatch). Add a new migration instead of editing an applied one.`,
          );
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await runner.exec("BEGIN");
      try {
        await runner.exec(migration.sql);
        await runner.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await runner.exec("COMMIT");
      } catch (error) {
        await runner.exec("ROLLBACK");
        throw new MigrationError(
          `Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
          { cause: error },
        );
      }
      result.applied.push(migration.name);
    }
    const known_names = new Set(migrations.map((m) => m.name));
    const unknown = [...known.keys()].filter((name) => !known_names.has(name));
    if (unknown.length > 0) {
      throw new MigrationError(
        `The database has migrations this code does not know (${unknown.join(", ")}): it is newer than this release.`,
      );
    }
    return result;
  } finally {
    await runner.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_ID]);
  }
}

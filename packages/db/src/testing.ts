// Test support: a fresh, migrated database per caller. With TEST_DATABASE_URL set (npm run
// test:services) it is a new database on that PostgreSQL server, dropped on close; otherwise
// an in-memory PGlite. Test code only: apps never import this.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDatabase, type Database, type DatabaseConfig } from "./client.ts";

export const testDatabaseUrl: string | undefined = process.env.TEST_DATABASE_URL || undefined;

export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<Database & { url?: string }> {
  if (!testDatabaseUrl) {
    const db = await createDatabase({});
    if (options.migrate !== false) await db.migrate();
    return db;
  }
  const name = `gw_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  const db = await createDatabase({ databaseUrl: url.toString(), poolMax: 5 });
  if (options.migrate !== false) await db.migrate();
  return {
    ...db,
    url: url.toString(),
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: testDatabaseUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** The migrations recorded as applied in a database (one another process migrated), in name order. */
export async function appliedMigrationNames(config: DatabaseConfig): Promise<string[]> {
  const db = await createDatabase(config);
  try {
    const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`;
    return rows.map((row) => row.migration_name);
  } finally {
    await db.close();
  }
}

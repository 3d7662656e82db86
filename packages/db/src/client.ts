import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { lockDataDir } from "./data-dir-lock.ts";
import { PrismaClient } from "./generated/prisma/client.ts";
import { type MigrateResult, type Migration, migrate, readMigrations } from "./migrate.ts";
import { pgliteRunner, pgRunner, type SqlRunner } from "./sql-runner.ts";

export interface DatabaseConfig {
  /** PostgreSQL connection string. Unset: embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded database. Unset with no databaseUrl: in memory (tests). */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  poolMax?: number | undefined;
}

export interface Database {
  readonly prisma: PrismaClient;
  readonly kind: "postgres" | "pglite";
  /** Runs work on one raw connection (migrations, schema inspection). */
  withRunner<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
  migrate(migrations?: Migration[]): Promise<MigrateResult>;
  /** Resolves when the database answers a trivial query within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL through @prisma/adapter-pg when a URL is given, otherwise embedded PGlite (real
 * Postgres in WASM) in `dataDir`, locked to this process.
 */
export async function createDatabase(config: DatabaseConfig): Promise<Database> {
  return config.databaseUrl
    ? createPostgres(config.databaseUrl, config.poolMax ?? 10)
    : createPglite(config.dataDir);
}

function createPostgres(url: string, max: number): Database {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const withRunner: Database["withRunner"] = async (work) => {
    const client = await pool.connect();
    try {
      return await work(pgRunner(client));
    } finally {
      client.release();
    }
  };
  return {
    prisma,
    kind: "postgres",
    withRunner,
    migrate: (migrations = readMigrations()) => withRunner((runner) => migrate(runner, migrations)),
    ping: (timeoutMs = 2_000) => withTimeout(pool.query("SELECT 1"), timeoutMs),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function createPglite(dataDir: string | undefined): Promise<Database> {
  const folder = dataDir ? resolve(dataDir) : undefined;
  const release = folder ? lockDataDir(folder) : () => {};
  let pglite: PGlite;
  try {
    pglite = folder ? await PGlite.create(folder) : await PGlite.create();
  } catch (error) {
    release();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const runner = pgliteRunner(pglite);
  // One connection: an advisory lock cannot separate two callers in this process, a queue does.
  let migrations: Promise<unknown> = Promise.resolve();
  return {
    prisma,
    kind: "pglite",
    withRunner: (work) => work(runner),
    migrate: (list = readMigrations()) => {
      const run = migrations.then(() => migrate(runner, list));
      migrations = run.catch(() => {});
      return run;
    },
    ping: (timeoutMs = 2_000) => withTimeout(pglite.query("SELECT 1"), timeoutMs),
    async close() {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

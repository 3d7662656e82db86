import { createDatabase, type Database } from "./client.ts";

/**
 * Opens the database a server process runs on and, when asked, brings its schema up to date
 * first (safe when replicas start together: migrations queue on an advisory lock).
 */
export async function openDatabase(
  env: { DATABASE_URL?: string | undefined; DATA_DIR: string },
  options: { migrate: boolean },
): Promise<Database> {
  const db = await createDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    if (options.migrate) await db.migrate();
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Closes everything in order on the first SIGTERM or SIGINT; a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>, log: (message: string) => void): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log(`${signal}: closing`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`error while closing: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

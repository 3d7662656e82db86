import { createDatabase } from "../client.ts";
import { parseCliEnv } from "./env.ts";
import { runCli } from "./program.ts";

const env = parseCliEnv(process.env);
const code = await runCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  async () => {
    const db = await createDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
    // Operators run the CLI before or between starts: make sure the schema is there.
    await db.migrate();
    return db;
  },
);
process.exitCode = code;

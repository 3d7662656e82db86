// `prisma generate`, online or offline.
//
// The Prisma CLI insists on its native schema engine even for `generate`, which never runs it.
// Where the engine has not been downloaded (machines that reach only the npm registry), point
// PRISMA_SCHEMA_ENGINE_BINARY at a stand-in that explains itself if anything ever executes it.
// Where the engine exists (online machines), the CLI runs exactly as usual.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(packageDir, "package.json"));

async function schemaEngineEnv(): Promise<Record<string, string>> {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return {};
  // Both are dependencies of the prisma CLI: resolve them from there.
  const cliRequire = createRequire(require.resolve("prisma/package.json"));
  const { getEnginesPath } = cliRequire("@prisma/engines") as { getEnginesPath(): string };
  const { getBinaryTargetForCurrentPlatform } = require("@prisma/get-platform") as {
    getBinaryTargetForCurrentPlatform(): Promise<string>;
  };
  const target = await getBinaryTargetForCurrentPlatform();
  const engine = join(getEnginesPath(), `schema-engine-${target}`);
  if (existsSync(engine)) return {};

  const standInDir = join(packageDir, "node_modules", ".cache", "gw-prisma");
  const standIn = join(standInDir, "schema-engine-unavailable");
  mkdirSync(standInDir, { recursive: true });
  writeFileSync(
    standIn,
    '#!/bin/sh\necho "The Prisma schema engine is not installed on this machine (offline). Apply migrations with: npm run cli -- migrate" >&2\nexit 1\n',
  );
  chmodSync(standIn, 0o755);
  console.log(`[db] schema engine for ${target} not installed; generating offline`);
  return { PRISMA_SCHEMA_ENGINE_BINARY: standIn };
}

const prismaCli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [prismaCli, "generate"], {
  cwd: packageDir,
  stdio: "inherit",
  env: { ...process.env, ...(await schemaEngineEnv()), PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});
process.exit(result.status ?? 1);

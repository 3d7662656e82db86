// `npm start`: the whole platform in one Node process. With no DATABASE_URL that is the embedded
// default (PGlite in DATA_DIR, in-memory stores); with DATABASE_URL / REDIS_URL it uses those.
// Each app still parses its own environment and gets its own port.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildApp as buildInference } from "../apps/inference/src/app.ts";
import { parseInferenceEnv } from "../apps/inference/src/env.ts";
import { buildApp as buildPortal } from "../apps/portal-server/src/app.ts";
import { parsePortalEnv } from "../apps/portal-server/src/env.ts";
import { bootstrapFirstRun, closeOnSignals, openDatabase, seedPrices } from "../packages/db/src/index.ts";

// In one process the portal reaches the inference service's internal API with a token made
// for this run, unless the operator set one; its links and CORS follow the chosen ports.
const shared: NodeJS.ProcessEnv = { ...process.env };
shared.INTERNAL_SERVICE_TOKEN ||= randomBytes(32).toString("hex");
const inferencePort = shared.INFERENCE_PORT || "3000";
const portalPort = shared.PORTAL_PORT || "3005";
shared.INFERENCE_INTERNAL_URL ||= `http://127.0.0.1:${inferencePort}/internal/trpc`;
shared.INFERENCE_PUBLIC_URL ||= `http://localhost:${inferencePort}/v1`;
shared.PORTAL_PUBLIC_URL ||= `http://localhost:${portalPort}`;
shared.PORTAL_ORIGINS ||= `http://localhost:${portalPort},http://127.0.0.1:${portalPort}`;
shared.ALLOWED_ORIGINS ||= shared.PORTAL_ORIGINS;
// BYOK keys are sealed with ENCRYPTION_KEY; the embedded default keeps one in its data folder.
if (!shared.ENCRYPTION_KEY && !shared.DATABASE_URL) {
  shared.ENCRYPTION_KEY = embeddedEncryptionKey(resolve(shared.DATA_DIR || "./.data"));
}
const inferenceEnv = parseInferenceEnv(shared);
const portalEnv = parsePortalEnv(shared);

const db = await openDatabase(inferenceEnv, { migrate: true });
const seeded = await seedPrices(db.prisma);
// Only the embedded default of a non-production install hands out a first key and demo credit.
const firstRun =
  db.kind === "pglite" && inferenceEnv.NODE_ENV !== "production" ? await bootstrapFirstRun(db) : undefined;
const inference = await buildInference({ env: inferenceEnv, db });
const portal = await buildPortal({ env: portalEnv, db });

await inference.listen({ host: inferenceEnv.HOST, port: inferenceEnv.INFERENCE_PORT });
await portal.listen({ host: portalEnv.HOST, port: portalEnv.PORTAL_PORT });

const shown = (host: string) => (host === "0.0.0.0" || host === "::" ? "localhost" : host);
const storage = db.kind === "pglite" ? `embedded PGlite in ${inferenceEnv.DATA_DIR}` : "PostgreSQL";
console.log(
  [
    "",
    `  LLM gateway is running (${storage}${seeded ? `, ${seeded} prices seeded` : ""})`,
    `  Portal:        http://${shown(portalEnv.HOST)}:${portalEnv.PORTAL_PORT}`,
    `  Inference API: http://${shown(inferenceEnv.HOST)}:${inferenceEnv.INFERENCE_PORT}/v1`,
    "",
  ].join("\n"),
);
if (firstRun) {
  const api = `http://${shown(inferenceEnv.HOST)}:${inferenceEnv.INFERENCE_PORT}/v1`;
  console.log(
    [
      `  First run: created organization "${firstRun.orgSlug}" with $1.00 of demo credit and an API key.`,
      "  The key is shown this once; keep it:",
      "",
      `  ${firstRun.key}`,
      "",
      "  Try it:",
      `  curl ${api}/chat/completions -H "Authorization: Bearer ${firstRun.key}" \\`,
      `    -H "Content-Type: application/json" -d '{"model":"demo-chat","messages":[{"role":"user","content":"Hello!"}]}'`,
      "",
    ].join("\n"),
  );
}

closeOnSignals(
  async () => {
    await Promise.all([inference.close(), portal.close()]);
    await db.close();
  },
  (message) => console.log(message),
);

/** The embedded install's sealing key: made once, kept beside its database, readable by its owner only. */
function embeddedEncryptionKey(dataDir: string): string {
  const file = join(dataDir, "encryption.key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("hex");
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return key;
}

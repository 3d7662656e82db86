// The inference service on its own (production): `npm start -w @gw/inference`.
import { closeOnSignals, openDatabase } from "@gw/db";
import { buildApp } from "./app.ts";
import { parseInferenceEnv } from "./env.ts";

const env = parseInferenceEnv(process.env);
const db = await openDatabase(env, { migrate: env.MIGRATE_ON_START });
const app = await buildApp({ env, db });
await app.listen({ host: env.HOST, port: env.INFERENCE_PORT });
closeOnSignals(
  async () => {
    await app.close();
    await db.close();
  },
  (message) => app.log.info(message),
);

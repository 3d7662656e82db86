// The portal server on its own (production): `npm start -w @gw/portal-server`.
import { closeOnSignals, openDatabase } from "@gw/db";
import { buildApp } from "./app.ts";
import { parsePortalEnv } from "./env.ts";

const env = parsePortalEnv(process.env);
const db = await openDatabase(env, { migrate: env.MIGRATE_ON_START });
const app = await buildApp({ env, db });
await app.listen({ host: env.HOST, port: env.PORTAL_PORT });
closeOnSignals(
  async () => {
    await app.close();
    await db.close();
  },
  (message) => app.log.info(message),
);

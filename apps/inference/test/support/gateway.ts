// A running inference service for tests: real Fastify on a loopback port, a fresh migrated
// database, an org with credit and an API key; providers configured through env like production.
import { createApiKey, createOrganization, type Database } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.ts";
import { parseInferenceEnv } from "../../src/env.ts";

export interface TestGateway {
  baseURL: string;
  url: string;
  key: string;
  db: Database;
  app: FastifyInstance;
  orgId: string;
  projectId: string;
  newKey(options?: Partial<Parameters<typeof createApiKey>[1]>): Promise<string>;
  close(): Promise<void>;
}

export async function startGateway(env: Record<string, string> = {}, db?: Database): Promise<TestGateway> {
  const database = db ?? (await createTestDatabase());
  const app = await buildApp({
    env: parseInferenceEnv({ LOG_LEVEL: "silent", DEMO_TOKEN_DELAY_MS: "0", ...env }),
    db: database,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  const url = `http://127.0.0.1:${address.port}`;
  const { org, project } = await createOrganization(database.prisma, { slug: `org-${address.port}` });
  const newKey: TestGateway["newKey"] = async (options = {}) =>
    (await createApiKey(database.prisma, { orgId: org.id, projectId: project.id, name: "test", ...options }))
      .key;
  return {
    baseURL: `${url}/v1`,
    url,
    key: await newKey(),
    db: database,
    app,
    orgId: org.id,
    projectId: project.id,
    newKey,
    async close() {
      await app.close();
      if (!db) await database.close();
    },
  };
}

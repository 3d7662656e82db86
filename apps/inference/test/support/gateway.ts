// A running inference service for tests: real Fastify on a loopback port, a fresh migrated
// database with the seeded price table, an org with credit and an API key, providers configured
// through env like production, and a typed client of the internal tRPC contract.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiKey, createOrganization, type Database, postLedgerEntry, seedPrices } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import type { FastifyInstance } from "fastify";
import superjson from "superjson";
import { buildApp } from "../../src/app.ts";
import { parseInferenceEnv } from "../../src/env.ts";
import type { InternalRouter } from "../../src/internal/router-type.ts";

export interface TestGateway {
  baseURL: string;
  url: string;
  key: string;
  db: Database;
  app: FastifyInstance;
  orgId: string;
  projectId: string;
  internal: TRPCClient<InternalRouter>;
  newKey(options?: Partial<Parameters<typeof createApiKey>[1]>): Promise<string>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** An existing database (shared by several gateways, like replicas). */
  db?: Database;
  /** Initial credit of the test org, in micro-dollars (default 100 USD). */
  creditMicros?: bigint;
  /** Use this org instead of creating one. */
  org?: { orgId: string; projectId: string };
  /** Where the gateway's log lines go (set LOG_LEVEL in env to something other than silent). */
  logStream?: { write(line: string): void };
}

export const testServiceToken = randomBytes(24).toString("hex");

export async function startGateway(
  env: Record<string, string> = {},
  options: GatewayOptions | Database = {},
): Promise<TestGateway> {
  const opts: GatewayOptions = "prisma" in options ? { db: options } : options;
  const database = opts.db ?? (await createTestDatabase());
  await seedPrices(database.prisma);
  const app = await buildApp({
    env: parseInferenceEnv({
      LOG_LEVEL: "silent",
      DEMO_TOKEN_DELAY_MS: "0",
      USAGE_JOURNAL_DIR: mkdtempSync(join(tmpdir(), "gw-journal-")),
      INTERNAL_SERVICE_TOKEN: testServiceToken,
      ...env,
    }),
    db: database,
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  const url = `http://127.0.0.1:${address.port}`;
  let orgId: string;
  let projectId: string;
  if (opts.org) {
    ({ orgId, projectId } = opts.org);
  } else {
    const { org, project } = await createOrganization(database.prisma, {
      slug: `org-${address.port}-${randomBytes(3).toString("hex")}`,
    });
    orgId = org.id;
    projectId = project.id;
    const credit = opts.creditMicros ?? 100_000_000n;
    if (credit > 0n) {
      await postLedgerEntry(database.prisma, {
        orgId,
        amountMicros: credit,
        kind: "grant",
        idempotencyKey: `test-grant:${orgId}`,
      });
    }
  }
  const newKey: TestGateway["newKey"] = async (keyOptions = {}) =>
    (await createApiKey(database.prisma, { orgId, projectId, name: "test", ...keyOptions })).key;
  const internal = internalClient(url);
  return {
    baseURL: `${url}/v1`,
    url,
    key: await newKey(),
    db: database,
    app,
    orgId,
    projectId,
    internal,
    newKey,
    async close() {
      await app.close();
      if (!opts.db) await database.close();
    },
  };
}

/** A typed client of the internal tRPC API of the gateway at `url` (started with testServiceToken). */
export function internalClient(url: string): TRPCClient<InternalRouter> {
  return createTRPCClient<InternalRouter>({
    links: [
      httpLink({
        url: `${url}/internal/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${testServiceToken}` },
      }),
    ],
  });
}

/** Polls until `check` returns a value that is not undefined (usage is written in batches). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The whole platform for portal tests: a fresh migrated database, the real inference service
// (its internal tRPC contract on a loopback port) and the portal server on another, wired like
// production. Clients are the real @trpc/client over HTTP, each with its own cookie jar.
// Every log line of both servers is captured, so tests can prove no secret was ever logged.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOrganization, type Database, postLedgerEntry, seedPrices } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import type { FastifyInstance } from "fastify";
import superjson from "superjson";
// Test wiring only: the portal's own code reaches inference over HTTP, never by import.
import { buildApp as buildInference } from "../../../inference/src/app.ts";
import { parseInferenceEnv } from "../../../inference/src/env.ts";
import { buildApp } from "../../src/app.ts";
import { parsePortalEnv } from "../../src/env.ts";
import type { AppRouter } from "../../src/trpc/router-type.ts";

export interface PortalClient {
  trpc: TRPCClient<AppRouter>;
  /** The cookies this client holds (name -> value). */
  cookies: Map<string, string>;
  /** Raw POST/GET to the portal with this client's cookies. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface TestPlatform {
  db: Database;
  portal: FastifyInstance;
  inference: FastifyInstance;
  portalUrl: string;
  inferenceUrl: string;
  origin: string;
  /** Every log line the portal and the inference service wrote so far. */
  logs: string[];
  /**
   * Every secret the clients sent or received (passwords, BYOK keys, session tokens, one-time
   * tokens, API keys). No response after a secret first appeared may contain it, and at close no
   * log line and no audit row may: every portal test file checks this, for every call it makes.
   */
  secrets: Set<string>;
  client(options?: { origin?: string }): PortalClient;
  /** A new user, signed in; its email is unique per call. */
  signedIn(name?: string): Promise<PortalClient & { email: string; password: string; userId: string }>;
  close(): Promise<void>;
}

export const testEncryptionKey = randomBytes(32).toString("hex");

export async function startPlatform(
  env: Record<string, string> = {},
  options: { db?: Database } = {},
): Promise<TestPlatform> {
  const db = options.db ?? (await createTestDatabase());
  await seedPrices(db.prisma);
  const logs: string[] = [];
  const logStream = { write: (line: string) => void logs.push(line) };
  const token = randomBytes(24).toString("hex");
  const inference = await buildInference({
    env: parseInferenceEnv({
      LOG_LEVEL: "info",
      DEMO_TOKEN_DELAY_MS: "0",
      USAGE_JOURNAL_DIR: mkdtempSync(join(tmpdir(), "gw-journal-")),
      INTERNAL_SERVICE_TOKEN: token,
      ENCRYPTION_KEY: testEncryptionKey,
      ...env,
    }),
    db,
    logStream,
  });
  await inference.listen({ host: "127.0.0.1", port: 0 });
  const inferenceUrl = `http://127.0.0.1:${(inference.server.address() as { port: number }).port}`;
  const portalEnv = parsePortalEnv({
    LOG_LEVEL: "info",
    NODE_ENV: "test",
    PORTAL_WEB_DIST: mkdtempSync(join(tmpdir(), "gw-web-")),
    INFERENCE_INTERNAL_URL: `${inferenceUrl}/internal/trpc`,
    INFERENCE_PUBLIC_URL: `${inferenceUrl}/v1`,
    INTERNAL_SERVICE_TOKEN: token,
    ENCRYPTION_KEY: testEncryptionKey,
    PORTAL_PUBLIC_URL: "http://portal.test",
    // Tests make admins on purpose; the first-account rule has its own test.
    FIRST_ACCOUNT_IS_ADMIN: "false",
    ...env,
  });
  const portal = await buildApp({ env: portalEnv, db, logStream });
  await portal.listen({ host: "127.0.0.1", port: 0 });
  const portalUrl = `http://127.0.0.1:${(portal.server.address() as { port: number }).port}`;
  const origin = "http://portal.test";
  const secrets = new Set<string>();
  let users = 0;

  const client = (opts: { origin?: string } = {}): PortalClient => {
    const cookies = new Map<string, string>();
    const send = async (url: string | URL | Request, init: RequestInit = {}) => {
      if (typeof init.body === "string") collectSecrets(init.body, secrets);
      const headers = new Headers(init.headers);
      headers.set("origin", opts.origin ?? origin);
      if (cookies.size > 0) {
        headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
      }
      const response = await fetch(url, { ...init, headers });
      for (const line of response.headers.getSetCookie()) {
        const [pair = "", ...attributes] = line.split(";");
        const [name = "", value = ""] = pair.split("=");
        const expired = attributes.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim())) || value === "";
        if (expired) cookies.delete(name.trim());
        else cookies.set(name.trim(), value.trim());
      }
      const body = await response.clone().text();
      const leaked = [...secrets].find((secret) => body.includes(secret));
      if (leaked) throw new Error(`a response of ${String(url)} contains a secret: ${leaked.slice(0, 6)}...`);
      collectSecrets(body, secrets);
      for (const value of cookies.values()) secrets.add(value);
      return response;
    };
    const trpc = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${portalUrl}/trpc`, transformer: superjson, fetch: send })],
    });
    return { trpc, cookies, fetch: (path, init) => send(`${portalUrl}${path}`, init) };
  };

  return {
    db,
    portal,
    inference,
    portalUrl,
    inferenceUrl,
    origin,
    logs,
    secrets,
    client,
    async signedIn(name = "user") {
      users += 1;
      const email = `${name}-${users}-${randomBytes(3).toString("hex")}@example.test`;
      const password = `pw-${randomBytes(12).toString("hex")}`;
      const c = client();
      const user = await c.trpc.auth.signUp.mutate({ email, password, name });
      return { ...c, email, password, userId: user.id };
    },
    async close() {
      const audit = JSON.stringify(
        await db.prisma.auditLog.findMany({ select: { metadata: true, targetId: true, action: true } }),
      );
      await portal.close();
      await inference.close();
      if (!options.db) await db.close();
      for (const secret of secrets) {
        const line = logs.find((l) => l.includes(secret));
        if (line)
          throw new Error(`the portal logged a secret (${secret.slice(0, 6)}...): ${line.slice(0, 200)}`);
        if (audit.includes(secret))
          throw new Error(`an audit row contains a secret (${secret.slice(0, 6)}...)`);
      }
    },
  };
}

/** A new organization of the user (its owner) with its default project and $10 of credit. */
export async function fundedOrg(p: TestPlatform, ownerUserId: string) {
  const { org, project } = await createOrganization(p.db.prisma, {
    slug: `org-${randomBytes(4).toString("hex")}`,
    ownerUserId,
  });
  await postLedgerEntry(p.db.prisma, {
    orgId: org.id,
    amountMicros: 10_000_000n,
    kind: "grant",
    idempotencyKey: `test-grant:${org.id}`,
  });
  return { orgId: org.id, projectId: project.id };
}

/** The tRPC error a call failed with; fails the test when it succeeded. */
export async function rejection(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError)) {
    throw new Error(
      `expected the call to fail with a tRPC error, got ${error === undefined ? "success" : String(error)}`,
    );
  }
  return error as TRPCClientError<AppRouter>;
}

const SECRET_FIELDS = new Set(["password", "currentPassword", "newPassword", "apiKey", "token", "key"]);

/** Adds the values of secret-named fields anywhere in a JSON text to `into`. */
function collectSecrets(text: string, into: Set<string>) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (value && typeof value === "object") {
      for (const [name, field] of Object.entries(value)) {
        // "key" is also the group key of usage series rows (a day, model or id): only API keys count.
        const secret = SECRET_FIELDS.has(name) && (name !== "key" || String(field).startsWith("sk-"));
        if (secret && typeof field === "string" && field.length >= 10) into.add(field);
        else walk(field);
      }
    }
  };
  walk(parsed);
}

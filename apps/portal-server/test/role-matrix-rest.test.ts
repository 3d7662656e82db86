// The role matrix for the remaining organization procedures (keys, usage, billing, providers,
// models; role-matrix.test.ts covers orgs, members, projects and audit): for each role, each
// procedure is allowed or FORBIDDEN exactly as packages/contracts/src/portal/permissions.ts says.
// An allowed change writes its audit row; a refused call changes nothing. An allowed call may
// still fail for a reason that is not the role (no Stripe here): then never with FORBIDDEN.
import type { TMemberRole } from "@gw/contracts";
import { createApiKey, createOrganization } from "@gw/db";
import { createSecretBox, providerKeyOwner } from "@gw/server-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/trpc/root.ts";
import type { ProcedureAccess } from "../src/trpc/trpc.ts";
import { startPlatform, type TestPlatform, testEncryptionKey } from "./support/platform.ts";
import { describeRoleMatrix, type RoleCase } from "./support/role-matrix.ts";

interface Fixture {
  orgId: string;
  projectId: string;
  keyId: string;
  providerId: string;
}

type Case = RoleCase<Fixture>;

const today = new Date().toISOString().slice(0, 10);
const range = { from: today, to: today };

const cases: Record<string, Case> = {
  "keys.list": { permission: "keys:read", call: (c, f) => c.trpc.keys.list.query({ orgId: f.orgId }) },
  "keys.create": {
    permission: "keys:manage",
    action: "key.create",
    call: (c, f) => c.trpc.keys.create.mutate({ orgId: f.orgId, projectId: f.projectId, name: "new" }),
  },
  "keys.update": {
    permission: "keys:manage",
    action: "key.update",
    call: (c, f) => c.trpc.keys.update.mutate({ orgId: f.orgId, keyId: f.keyId, rpmLimit: 5 }),
  },
  "keys.revoke": {
    permission: "keys:manage",
    action: "key.revoke",
    call: (c, f) => c.trpc.keys.revoke.mutate({ orgId: f.orgId, keyId: f.keyId }),
  },
  "keys.rotate": {
    permission: "keys:manage",
    action: "key.rotate",
    call: (c, f) => c.trpc.keys.rotate.mutate({ orgId: f.orgId, keyId: f.keyId, gracePeriodSeconds: 60 }),
  },
  "usage.summary": {
    permission: "usage:read",
    call: (c, f) => c.trpc.usage.summary.query({ orgId: f.orgId, ...range }),
  },
  "usage.timeseries": {
    permission: "usage:read",
    call: (c, f) => c.trpc.usage.timeseries.query({ orgId: f.orgId, ...range, groupBy: "model" }),
  },
  "usage.requests": {
    permission: "usage:read",
    call: (c, f) => c.trpc.usage.requests.query({ orgId: f.orgId }),
  },
  "usage.exportCsv": {
    permission: "usage:read",
    call: (c, f) => c.trpc.usage.exportCsv.query({ orgId: f.orgId, kind: "daily", ...range }),
  },
  "billing.summary": {
    permission: "billing:read",
    call: (c, f) => c.trpc.billing.summary.query({ orgId: f.orgId }),
  },
  "billing.ledger": {
    permission: "billing:read",
    call: (c, f) => c.trpc.billing.ledger.query({ orgId: f.orgId }),
  },
  "billing.statements": {
    permission: "billing:read",
    call: (c, f) => c.trpc.billing.statements.query({ orgId: f.orgId }),
  },
  "billing.setLowBalanceThreshold": {
    permission: "billing:manage",
    action: "billing.low_balance_threshold",
    call: (c, f) =>
      c.trpc.billing.setLowBalanceThreshold.mutate({ orgId: f.orgId, thresholdMicros: 5_000_000n }),
  },
  "billing.createCheckout": {
    permission: "billing:manage",
    allowedError: "PRECONDITION_FAILED",
    call: (c, f) => c.trpc.billing.createCheckout.mutate({ orgId: f.orgId, amountMicros: 10_000_000n }),
  },
  "providers.list": {
    permission: "providers:read",
    call: (c, f) => c.trpc.providers.list.query({ orgId: f.orgId }),
  },
  "providers.create": {
    permission: "providers:manage",
    action: "provider.create",
    call: (c, f) =>
      c.trpc.providers.create.mutate({
        orgId: f.orgId,
        name: "second",
        kind: "anthropic",
        apiKey: "sk-ant-matrix-0123456789",
      }),
  },
  "providers.update": {
    permission: "providers:manage",
    action: "provider.update",
    call: (c, f) =>
      c.trpc.providers.update.mutate({ orgId: f.orgId, providerId: f.providerId, models: ["m"] }),
  },
  "providers.delete": {
    permission: "providers:manage",
    action: "provider.delete",
    call: (c, f) => c.trpc.providers.delete.mutate({ orgId: f.orgId, providerId: f.providerId }),
  },
  "providers.test": {
    permission: "providers:manage",
    action: "provider.test",
    call: (c, f) => c.trpc.providers.test.mutate({ orgId: f.orgId, providerId: f.providerId }),
  },
  "providers.testNew": {
    permission: "providers:manage",
    // Answers { ok: false } here (the official API does not resolve), and stores nothing.
    call: (c, f) =>
      c.trpc.providers.testNew.mutate({ orgId: f.orgId, kind: "openai", apiKey: "sk-matrix-0123456789" }),
  },
  "models.list": { permission: "org:read", call: (c, f) => c.trpc.models.list.query({ orgId: f.orgId }) },
};

const seal = createSecretBox(testEncryptionKey);

let p: TestPlatform;
let caller: Awaited<ReturnType<TestPlatform["signedIn"]>>;
beforeAll(async () => {
  p = await startPlatform();
  caller = await p.signedIn("caller");
});
afterAll(() => p?.close());

let orgs = 0;
async function fixture(role: TMemberRole): Promise<Fixture> {
  const prisma = p.db.prisma;
  const { org, project } = await createOrganization(prisma, { slug: `matrix-rest-${++orgs}` });
  await prisma.membership.create({ data: { orgId: org.id, userId: caller.userId, role } });
  const { record } = await createApiKey(prisma, { orgId: org.id, projectId: project.id, name: "k" });
  const providerId = crypto.randomUUID();
  await prisma.customProvider.create({
    data: {
      id: providerId,
      orgId: org.id,
      kind: "openai",
      name: "own",
      encryptedKey: seal.seal("sk-own-matrix-0123456789", providerKeyOwner(org.id, providerId)),
      keyLast4: "6789",
      models: ["gpt-4o-mini"],
    },
  });
  return { orgId: org.id, projectId: project.id, keyId: record.id, providerId };
}

async function snapshot(orgId: string) {
  const prisma = p.db.prisma;
  const state = {
    org: await prisma.organization.findUnique({ where: { id: orgId } }),
    keys: await prisma.apiKey.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    providers: await prisma.customProvider.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    ledger: await prisma.creditLedgerEntry.count({ where: { orgId } }),
    auditRows: await prisma.auditLog.count(),
  };
  return JSON.stringify(state, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

describe("role matrix (keys, usage, billing, providers, models)", () => {
  it("covers every organization procedure of these routers, with the permission it is meant to need", () => {
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { meta?: { access: ProcedureAccess } } }
    >;
    const ours = Object.entries(procedures).filter(
      ([path, proc]) =>
        !/^(orgs|members|projects|audit)\./.test(path) && proc._def.meta?.access.kind === "org",
    );
    expect(Object.fromEntries(ours.map(([path, proc]) => [path, proc._def.meta?.access]))).toEqual(
      Object.fromEntries(
        Object.entries(cases).map(([path, c]) => [path, { kind: "org", permission: c.permission }]),
      ),
    );
  });

  describeRoleMatrix({ cases, platform: () => p, caller: () => caller, fixture, snapshot });
});

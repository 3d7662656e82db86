// Every procedure of AppRouter, tried from another organization. For each org procedure: a member
// (owner) of org B calls it with org A's id and A's resource ids, and then with B's own id but A's
// resource ids. Each call must answer NOT_FOUND or FORBIDDEN, return nothing and change nothing.
// A procedure added without an entry here (or without org-scoped access) fails this test.
import type { Database } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/trpc/root.ts";
import type { PortalMeta } from "../src/trpc/trpc.ts";
import { type PortalClient, rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

interface OrgIds {
  orgId: string;
  projectId: string;
  keyId: string;
  invitationId: string;
  memberUserId: string;
  providerId: string;
}

type Call = (c: PortalClient, input: never) => Promise<unknown>;
interface Entry {
  call: Call;
  /** The input naming the target org and the resources (ids from `r`). */
  input: (orgId: string, r: OrgIds) => unknown;
  /** Whether the input carries resource ids besides orgId (then B's own orgId is tried too). */
  ids: boolean;
}

const today = new Date().toISOString().slice(0, 10);
const range = { from: today, to: today };

const entry = (call: Call, input: Entry["input"], ids = false): Entry => ({ call, input, ids });
// biome-ignore lint/suspicious/noExplicitAny: the table calls procedures of every shape by path.
type Any = any;
const q =
  (path: string): Call =>
  (c, input) =>
    path
      .split(".")
      .reduce((node: Any, part) => node[part], c.trpc as Any)
      .query(input);
const m =
  (path: string): Call =>
  (c, input) =>
    path
      .split(".")
      .reduce((node: Any, part) => node[part], c.trpc as Any)
      .mutate(input);

/** Every org-scoped procedure, with an input that would be valid for its own org. */
const orgProcedures: Record<string, Entry> = {
  "orgs.get": entry(q("orgs.get"), (orgId) => ({ orgId })),
  "orgs.rename": entry(m("orgs.rename"), (orgId) => ({ orgId, name: "Taken over" })),
  "orgs.delete": entry(m("orgs.delete"), (orgId) => ({ orgId })),
  "members.list": entry(q("members.list"), (orgId) => ({ orgId })),
  "members.invitations": entry(q("members.invitations"), (orgId) => ({ orgId })),
  "members.invite": entry(m("members.invite"), (orgId) => ({
    orgId,
    email: "intruder@example.test",
    role: "owner",
  })),
  "members.revokeInvitation": entry(
    m("members.revokeInvitation"),
    (orgId, r) => ({ orgId, invitationId: r.invitationId }),
    true,
  ),
  "members.changeRole": entry(
    m("members.changeRole"),
    (orgId, r) => ({ orgId, userId: r.memberUserId, role: "viewer" }),
    true,
  ),
  "members.remove": entry(m("members.remove"), (orgId, r) => ({ orgId, userId: r.memberUserId }), true),
  "members.leave": entry(m("members.leave"), (orgId) => ({ orgId })),
  "projects.list": entry(q("projects.list"), (orgId) => ({ orgId, includeArchived: true })),
  "projects.create": entry(m("projects.create"), (orgId) => ({ orgId, slug: "intruder", name: "Intruder" })),
  "projects.rename": entry(
    m("projects.rename"),
    (orgId, r) => ({ orgId, projectId: r.projectId, name: "Mine" }),
    true,
  ),
  "projects.archive": entry(m("projects.archive"), (orgId, r) => ({ orgId, projectId: r.projectId }), true),
  "projects.unarchive": entry(
    m("projects.unarchive"),
    (orgId, r) => ({ orgId, projectId: r.projectId }),
    true,
  ),
  "keys.list": entry(q("keys.list"), (orgId, r) => ({ orgId, projectId: r.projectId }), true),
  "keys.create": entry(
    m("keys.create"),
    (orgId, r) => ({ orgId, projectId: r.projectId, name: "stolen" }),
    true,
  ),
  "keys.update": entry(m("keys.update"), (orgId, r) => ({ orgId, keyId: r.keyId, rpmLimit: 1 }), true),
  "keys.revoke": entry(m("keys.revoke"), (orgId, r) => ({ orgId, keyId: r.keyId }), true),
  "keys.rotate": entry(
    m("keys.rotate"),
    (orgId, r) => ({ orgId, keyId: r.keyId, gracePeriodSeconds: 0 }),
    true,
  ),
  "usage.summary": entry(q("usage.summary"), (orgId, r) => ({ orgId, ...range, keyId: r.keyId }), true),
  "usage.timeseries": entry(
    q("usage.timeseries"),
    (orgId, r) => ({ orgId, ...range, groupBy: "day", projectId: r.projectId }),
    true,
  ),
  "usage.requests": entry(q("usage.requests"), (orgId, r) => ({ orgId, keyId: r.keyId }), true),
  "usage.exportCsv": entry(
    q("usage.exportCsv"),
    (orgId, r) => ({ orgId, kind: "requests", ...range, keyId: r.keyId }),
    true,
  ),
  "billing.summary": entry(q("billing.summary"), (orgId) => ({ orgId })),
  "billing.ledger": entry(q("billing.ledger"), (orgId) => ({ orgId })),
  "billing.statements": entry(q("billing.statements"), (orgId) => ({ orgId })),
  "billing.setLowBalanceThreshold": entry(m("billing.setLowBalanceThreshold"), (orgId) => ({
    orgId,
    thresholdMicros: 1n,
  })),
  "billing.createCheckout": entry(m("billing.createCheckout"), (orgId) => ({
    orgId,
    amountMicros: 10_000_000n,
  })),
  "providers.list": entry(q("providers.list"), (orgId) => ({ orgId })),
  "providers.create": entry(m("providers.create"), (orgId) => ({
    orgId,
    name: "intruder",
    kind: "openai",
    apiKey: "sk-intruder-0000000000",
  })),
  "providers.update": entry(
    m("providers.update"),
    (orgId, r) => ({ orgId, providerId: r.providerId, models: ["x"] }),
    true,
  ),
  "providers.delete": entry(m("providers.delete"), (orgId, r) => ({ orgId, providerId: r.providerId }), true),
  "providers.test": entry(m("providers.test"), (orgId, r) => ({ orgId, providerId: r.providerId }), true),
  "providers.testNew": entry(m("providers.testNew"), (orgId) => ({
    orgId,
    kind: "openai",
    apiKey: "sk-intruder-0000000000",
  })),
  "models.list": entry(q("models.list"), (orgId) => ({ orgId })),
  "audit.list": entry(q("audit.list"), (orgId) => ({ orgId })),
};

/** Procedures that take no organization or resource id: nothing of another org to reach. */
const unscoped = new Set([
  "auth.signUp",
  "auth.signIn",
  "auth.signOut",
  "auth.me",
  "auth.changePassword",
  "auth.requestPasswordReset",
  "auth.resetPassword",
  "config.get",
  "orgs.create",
  "orgs.list",
  // By one-time token, which only the invited person holds.
  "members.accept",
]);

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: PortalMeta } }>;

/** Everything a cross-org call could change, in a comparable form. Sessions are left out (lastSeenAt). */
async function snapshot(db: Database) {
  const p = db.prisma;
  const [orgs, memberships, invitations, projects, keys, providers, ledger, audit, prices, usage] =
    await Promise.all([
      p.organization.findMany({ orderBy: { id: "asc" } }),
      p.membership.findMany({ orderBy: { id: "asc" } }),
      p.invitation.findMany({ orderBy: { id: "asc" } }),
      p.project.findMany({ orderBy: { id: "asc" } }),
      p.apiKey.findMany({ orderBy: { id: "asc" } }),
      p.customProvider.findMany({ orderBy: { id: "asc" } }),
      p.creditLedgerEntry.findMany({ orderBy: { id: "asc" } }),
      p.auditLog.count(),
      p.modelPrice.count(),
      p.usageRecord.count(),
    ]);
  return JSON.stringify(
    { orgs, memberships, invitations, projects, keys, providers, ledger, audit, prices, usage },
    (_k, v) => (typeof v === "bigint" ? v.toString() : v),
  );
}

let platform: TestPlatform;
let a: OrgIds;
let b: OrgIds;
let attacker: PortalClient;

async function orgWithEverything(name: string) {
  const owner = await platform.signedIn(`${name}-owner`);
  const org = await owner.trpc.orgs.create.mutate({ slug: `${name}-org`, name: `${name} org` });
  const project = await owner.trpc.projects.create.mutate({ orgId: org.id, slug: "second", name: "Second" });
  const key = await owner.trpc.keys.create.mutate({ orgId: org.id, projectId: project.id, name: "ci" });
  const member = await platform.signedIn(`${name}-member`);
  const invite = await owner.trpc.members.invite.mutate({
    orgId: org.id,
    email: member.email,
    role: "member",
  });
  await member.trpc.members.accept.mutate({ token: new URL(invite.inviteUrl).searchParams.get("token")! });
  const pending = await owner.trpc.members.invite.mutate({
    orgId: org.id,
    email: "later@example.test",
    role: "viewer",
  });
  const provider = await owner.trpc.providers.create.mutate({
    orgId: org.id,
    name: "own-openai",
    kind: "openai",
    apiKey: `sk-own-${name}-0123456789`,
    models: ["gpt-4o-mini"],
  });
  const ids: OrgIds = {
    orgId: org.id,
    projectId: project.id,
    keyId: key.id,
    invitationId: pending.invitationId,
    memberUserId: member.userId,
    providerId: provider.id,
  };
  return { owner, ids };
}

beforeAll(async () => {
  platform = await startPlatform();
  a = (await orgWithEverything("alpha")).ids;
  const beta = await orgWithEverything("beta");
  b = beta.ids;
  attacker = beta.owner;
}, 120_000);
afterAll(() => platform?.close());

describe("every procedure, from another organization", () => {
  it("is listed here: org-scoped ones with an input, the rest as taking no ids", () => {
    const paths = Object.keys(procedures);
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const access = procedures[path]!._def.meta?.access;
      expect(access, `${path} declares no access`).toBeDefined();
      if (access?.kind === "org") expect(orgProcedures[path], `${path} has no cross-org entry`).toBeDefined();
      else if (access?.kind === "admin") continue;
      else
        expect(unscoped.has(path), `${path} is ${access?.kind}: org-scope it or list it as unscoped`).toBe(
          true,
        );
    }
    for (const path of Object.keys(orgProcedures)) {
      expect(procedures[path]?._def.meta?.access.kind, `${path} is not an org procedure`).toBe("org");
    }
  });

  for (const [path, { call, input, ids }] of Object.entries(orgProcedures)) {
    it(`${path}: NOT_FOUND or FORBIDDEN, nothing returned, nothing changed`, async () => {
      const before = await snapshot(platform.db);
      const targets = [input(a.orgId, a), ...(ids ? [input(b.orgId, a)] : [])];
      for (const target of targets) {
        const error = await rejection(call(attacker, target as never));
        expect(
          ["NOT_FOUND", "FORBIDDEN"],
          `${path} with ${JSON.stringify(target, (_k, v) => (typeof v === "bigint" ? String(v) : v))}: ${error.message}`,
        ).toContain(error.data?.code);
      }
      expect(await snapshot(platform.db)).toBe(before);
    });
  }

  it("admin procedures: FORBIDDEN for an org owner who is not a platform admin", async () => {
    const before = await snapshot(platform.db);
    const calls: [string, () => Promise<unknown>][] = [
      ["admin.orgs", () => attacker.trpc.admin.orgs.query({})],
      [
        "admin.adjustCredits",
        () =>
          attacker.trpc.admin.adjustCredits.mutate({ orgId: a.orgId, amountMicros: 1_000_000n, note: "x" }),
      ],
      [
        "admin.setOrgStatus",
        () => attacker.trpc.admin.setOrgStatus.mutate({ orgId: a.orgId, status: "suspended" }),
      ],
      ["admin.prices", () => attacker.trpc.admin.prices.query()],
      [
        "admin.setPrice",
        () =>
          attacker.trpc.admin.setPrice.mutate({
            provider: "openai",
            model: "gpt-4o",
            inputPerMTokMicros: 0n,
            outputPerMTokMicros: 0n,
          }),
      ],
    ];
    const adminPaths = Object.keys(procedures).filter(
      (p) => procedures[p]!._def.meta?.access.kind === "admin",
    );
    expect(calls.map(([path]) => path).sort()).toEqual(adminPaths.sort());
    for (const [path, call] of calls) expect((await rejection(call())).data?.code, path).toBe("FORBIDDEN");
    expect(await snapshot(platform.db)).toBe(before);
  });
});

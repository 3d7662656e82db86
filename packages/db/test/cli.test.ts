import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.ts";
import { type Database, hashApiKey } from "../src/index.ts";
import { createTestDatabase } from "../src/testing.ts";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

/** Runs the CLI in-process against the test database; the database outlives each run. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, async () => ({
    ...db,
    close: async () => {},
  }));
  return { code, out, err };
}

async function counts() {
  const [orgs, users, keys, ledger, audit] = await Promise.all([
    db.prisma.organization.count(),
    db.prisma.user.count(),
    db.prisma.apiKey.count(),
    db.prisma.creditLedgerEntry.count(),
    db.prisma.auditLog.count(),
  ]);
  return { orgs, users, keys, ledger, audit };
}

describe("operator CLI", () => {
  it("creates an org, grants credits and prints a key that is stored only as its hash", async () => {
    expect((await cli("orgs", "create", "acme", "--name", "Acme Inc")).code).toBe(0);
    const grant = await cli("credits", "grant", "acme", "12.50", "--note", "welcome");
    expect(grant).toMatchObject({ code: 0, out: ["granted $12.50 to acme; balance $12.50"] });

    const created = await cli("keys", "create", "acme", "--name", "ci", "--rpm", "60", "--spend-limit", "5");
    expect(created.code).toBe(0);
    const key = created.out.at(-1)!;
    expect(key).toMatch(/^sk-[0-9A-Za-z]{43}$/);

    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(key) } });
    expect(row).toMatchObject({ name: "ci", rpmLimit: 60, spendLimitMicros: 5_000_000n, status: "active" });
    expect(row.prefix).toBe(key.slice(0, 9));
    // Nothing anywhere in the database holds the key itself.
    const dump = JSON.stringify(
      [
        await db.prisma.apiKey.findMany(),
        await db.prisma.auditLog.findMany(),
        await db.prisma.creditLedgerEntry.findMany(),
      ],
      (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    );
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.slice(9));

    const org = await db.prisma.organization.findUniqueOrThrow({ where: { slug: "acme" } });
    expect(org.balanceMicros).toBe(12_500_000n);

    const list = await cli("keys", "list", "acme");
    expect(list.out).toHaveLength(1);
    expect(list.out[0]).toContain(`${row.prefix}...  active  default  "ci"`);
    expect(list.out[0]).not.toContain(key);

    expect((await cli("keys", "revoke", row.prefix)).out).toEqual([`revoked ${row.prefix}...`]);
    expect((await cli("keys", "revoke", key)).out).toEqual([`${row.prefix}... was already revoked`]);
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("revoked");
  });

  it("creates users with a generated password shown once, as owners of an org", async () => {
    await cli("orgs", "create", "beta");
    const result = await cli("users", "create", "Ops@Example.com", "--admin", "--org", "beta");
    expect(result.code).toBe(0);
    expect(result.out[1]).toMatch(/^password: \S{16}$/);
    const user = await db.prisma.user.findUniqueOrThrow({
      where: { email: "ops@example.com" },
      include: { memberships: true },
    });
    expect(user.isPlatformAdmin).toBe(true);
    expect(user.memberships).toMatchObject([{ role: "owner" }]);
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it.each([
    [["orgs", "create", "Bad Slug"], /organization "Bad Slug"/],
    [["orgs", "create", "acme"], /already exists/],
    [["credits", "grant", "acme", "1.2345678"], /6 decimal|decimal/],
    [["credits", "grant", "acme", "-3"], /more than zero/],
    [["credits", "grant", "nobody", "3"], /no organization "nobody"/],
    [["keys", "create", "acme", "--rpm", "ten"], /positive whole number/],
    [["keys", "create", "acme", "--expires", "tomorrow"], /ISO date/],
    [["keys", "create", "acme", "--expires", "2001-01-01"], /future/],
    [["keys", "create", "acme", "--project", "nope"], /no project "nope"/],
    [["keys", "revoke", "sk-nothing"], /no key matches/],
    [["users", "create", "not-an-email"], /not an email address/],
    [["users", "create", "x@example.com", "--password", "short"], /at least 10/],
    [["frobnicate"], /unknown command/],
    [["keys", "create"], /missing required argument/],
  ])("refuses %j with one line, exit 2, and writes nothing", async (argv, message) => {
    const before = await counts();
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(message);
    expect(result.out).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});

describe("operator CLI as a process", () => {
  const run = (args: string[], dataDir: string) =>
    spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "../src/cli/main.ts"), ...args],
      {
        encoding: "utf8",
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
      },
    );

  it("prints the key alone on the last line of stdout, and exits 2 on bad arguments", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gw-cli-"));
    expect(run(["orgs", "create", "proc"], dataDir).status).toBe(0);
    const created = run(["keys", "create", "proc"], dataDir);
    expect(created.status).toBe(0);
    expect(created.stdout.trimEnd().split("\n").at(-1)).toMatch(/^sk-[0-9A-Za-z]{43}$/);
    const bad = run(["keys", "create", "proc", "--tpm", "-5"], dataDir);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });
});

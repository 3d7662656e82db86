import { parseUsd } from "@gw/contracts";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import type { Database } from "../client.ts";
import * as op from "./operator.ts";

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("expected a positive whole number");
  }
  return Number(value);
}

function usd(value: string): bigint {
  try {
    return parseUsd(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function isoDate(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError("expected an ISO date, e.g. 2027-01-31 or 2027-01-31T12:00:00Z");
  }
  return date;
}

/**
 * Runs the operator CLI in-process. Returns the exit code: 0 done, 1 failure, 2 bad arguments.
 * The database is opened only after the arguments are valid, and every write is one transaction.
 */
export async function runCli(argv: string[], io: CliIo, openDb: () => Promise<Database>): Promise<number> {
  let db: Database | undefined;
  const withDb = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
    db ??= await openDb();
    return work(db);
  };

  const program = new Command("cli")
    .description("Operator commands for the LLM gateway")
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });

  const orgs = program.command("orgs").description("organizations");
  orgs
    .command("create <slug>")
    .description("create an organization with a default project")
    .option("--name <name>", "display name")
    .action(async (slug: string, options: { name?: string }) => {
      const org = await withDb((db) => op.createOrg(db, op.checkSlug(slug, "organization"), options.name));
      io.out(`created organization ${org.slug} (${org.id})`);
    });

  const users = program.command("users").description("users");
  users
    .command("reset-password <email>")
    .description("print a one-time password reset link for a user (valid for one hour)")
    .option("--portal-url <url>", "the portal's public URL", "http://localhost:3005")
    .action(async (email: string, options: { portalUrl: string }) => {
      const token = await withDb((db) => op.startPasswordReset(db, email));
      io.out(`password reset for ${email.toLowerCase()}; the link works once, for one hour:`);
      io.out(`${options.portalUrl.replace(/\/+$/, "")}/reset-password?token=${token}`);
    });
  users
    .command("create <email>")
    .description("create a user; without --password one is generated and printed once")
    .option("--password <password>", "the user's password (at least 10 characters)")
    .option("--admin", "make the user a platform admin", false)
    .option("--org <slug>", "make the user an owner of this organization")
    .action(async (email: string, options: { password?: string; admin: boolean; org?: string }) => {
      const { user, password } = await withDb((db) =>
        op.createUser(db, { email, password: options.password, admin: options.admin, orgSlug: options.org }),
      );
      io.out(`created user ${user.email} (${user.id})${user.isPlatformAdmin ? " as platform admin" : ""}`);
      if (password) io.out(`password: ${password}`);
    });

  program
    .command("credits")
    .description("prepaid credits")
    .command("grant <org-slug> <usd>")
    .description("grant credits in USD, e.g. 25 or 0.50")
    .option("--note <note>", "why, for the ledger")
    .action(async (orgSlug: string, amount: string, options: { note?: string }) => {
      let micros: bigint;
      try {
        micros = parseUsd(amount);
      } catch (error) {
        throw new op.UsageError((error as Error).message);
      }
      const result = await withDb((db) => op.grantCredits(db, orgSlug, micros, options.note));
      io.out(
        `granted ${op.formatUsd(micros)} to ${result.org.slug}; balance ${op.formatUsd(result.balanceMicros)}`,
      );
    });

  const keys = program.command("keys").description("API keys");
  keys
    .command("create <org-slug>")
    .description("create an API key; the key is printed alone on the last line, and never again")
    .option("--project <slug>", "project (default: the default project)")
    .option("--name <name>", "a name for the key")
    .option("--rpm <n>", "requests per minute", positiveInt)
    .option("--tpm <n>", "tokens per minute", positiveInt)
    .option("--spend-limit <usd>", "most this key may spend, in USD", usd)
    .option("--expires <date>", "ISO date after which the key stops working", isoDate)
    .action(
      async (
        orgSlug: string,
        options: {
          project?: string;
          name?: string;
          rpm?: number;
          tpm?: number;
          spendLimit?: bigint;
          expires?: Date;
        },
      ) => {
        if (options.spendLimit !== undefined && options.spendLimit <= 0n) {
          throw new op.UsageError("--spend-limit must be more than zero");
        }
        const { key, record } = await withDb((db) =>
          op.createKey(db, orgSlug, {
            project: options.project,
            name: options.name,
            rpm: options.rpm,
            tpm: options.tpm,
            spendLimitMicros: options.spendLimit,
            expiresAt: options.expires,
          }),
        );
        io.out(`created key ${record.prefix}... "${record.name}" (${record.id}); it is shown once:`);
        io.out(key);
      },
    );
  keys
    .command("list <org-slug>")
    .description("list an organization's keys")
    .action(async (orgSlug: string) => {
      const list = await withDb((db) => op.listKeys(db, orgSlug));
      if (list.length === 0) io.out("no keys");
      for (const key of list) {
        const limits = [
          key.rpmLimit ? `rpm=${key.rpmLimit}` : "",
          key.tpmLimit ? `tpm=${key.tpmLimit}` : "",
          key.spendLimitMicros === null ? "" : `limit=${op.formatUsd(key.spendLimitMicros)}`,
        ].filter(Boolean);
        io.out(
          [
            `${key.prefix}...`,
            key.status,
            key.project.slug,
            JSON.stringify(key.name),
            `spent=${op.formatUsd(key.spentMicros)}`,
            ...limits,
            `last-used=${key.lastUsedAt?.toISOString() ?? "never"}`,
          ].join("  "),
        );
      }
    });
  keys
    .command("revoke <key-or-prefix>")
    .description("revoke a key by its full value or its visible prefix")
    .action(async (keyOrPrefix: string) => {
      const { key, changed } = await withDb((db) => op.revokeKey(db, keyOrPrefix));
      io.out(changed ? `revoked ${key.prefix}...` : `${key.prefix}... was already revoked`);
    });

  program
    .command("migrate")
    .description("apply pending database migrations")
    .action(async () => {
      const result = await withDb((db) => db.migrate());
      io.out(
        result.applied.length > 0
          ? `applied ${result.applied.join(", ")}`
          : `up to date (${result.alreadyApplied.length} migrations)`,
      );
    });

  program
    .command("seed")
    .description("insert the default model prices (idempotent)")
    .action(async () => {
      const count = await withDb((db) => op.runSeed(db));
      io.out(`seeded ${count} new prices`);
    });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse problem is a usage error. Commander has printed it.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof op.UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    io.err(`error: ${(error as Error).message.split("\n")[0]}`);
    return 1;
  } finally {
    await db?.close();
  }
}

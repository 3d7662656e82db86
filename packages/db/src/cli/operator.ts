// What the operator CLI does, as functions of a database: testable without spawning anything.
import { randomBytes } from "node:crypto";
import { formatUsd, ZEmail, ZSlug } from "@gw/contracts";
import { createApiKey, hashApiKey } from "../api-keys.ts";
import { writeAudit } from "../audit.ts";
import type { Database } from "../client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { postLedgerEntry } from "../ledger.ts";
import { createPasswordReset } from "../one-time-tokens.ts";
import { createOrganization, defaultProjectSlug } from "../orgs.ts";
import { hashPassword } from "../passwords.ts";
import { isUniqueViolation } from "../prisma-errors.ts";
import { seedPrices } from "../seed.ts";

/** A problem with what the operator asked for: printed on one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function checkSlug(value: string, what: string): string {
  const parsed = ZSlug.safeParse(value);
  if (!parsed.success) throw new UsageError(`${what} "${value}": ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

async function findOrg(db: Database, slug: string) {
  const org = await db.prisma.organization.findUnique({ where: { slug } });
  if (!org) throw new UsageError(`no organization "${slug}"`);
  return org;
}

export async function createOrg(db: Database, slug: string, name?: string) {
  try {
    const { org } = await createOrganization(db.prisma, { slug, name });
    await writeAudit(db.prisma, {
      orgId: org.id,
      actorType: "operator",
      action: "org.create",
      targetType: "organization",
      targetId: org.id,
      metadata: { slug },
    });
    return org;
  } catch (error) {
    if (isUniqueViolation(error)) throw new UsageError(`organization "${slug}" already exists`);
    throw error;
  }
}

export async function createUser(
  db: Database,
  input: { email: string; password?: string | undefined; admin: boolean; orgSlug?: string | undefined },
) {
  const email = ZEmail.safeParse(input.email);
  if (!email.success) throw new UsageError(`"${input.email}" is not an email address`);
  const generated = input.password === undefined;
  const password = input.password ?? randomBytes(12).toString("base64url");
  if (password.length < 10) throw new UsageError("--password must have at least 10 characters");
  const org = input.orgSlug ? await findOrg(db, input.orgSlug) : undefined;
  const passwordHash = await hashPassword(password);
  try {
    const user = await db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      const created = await tx.user.create({
        data: { email: email.data, passwordHash, isPlatformAdmin: input.admin },
      });
      if (org) await tx.membership.create({ data: { orgId: org.id, userId: created.id, role: "owner" } });
      await writeAudit(tx, {
        orgId: org?.id ?? null,
        actorType: "operator",
        action: "user.create",
        targetType: "user",
        targetId: created.id,
        metadata: { admin: input.admin },
      });
      return created;
    });
    return { user, password: generated ? password : undefined };
  } catch (error) {
    if (isUniqueViolation(error)) throw new UsageError(`user "${email.data}" already exists`);
    throw error;
  }
}

export async function grantCredits(db: Database, orgSlug: string, amountMicros: bigint, note?: string) {
  if (amountMicros <= 0n) throw new UsageError("the amount must be more than zero");
  const org = await findOrg(db, orgSlug);
  const { entry } = await postLedgerEntry(db.prisma, {
    orgId: org.id,
    amountMicros,
    kind: "grant",
    idempotencyKey: `grant:operator:${randomBytes(16).toString("hex")}`,
    note: note ?? null,
  });
  await writeAudit(db.prisma, {
    orgId: org.id,
    actorType: "operator",
    action: "credits.grant",
    targetType: "organization",
    targetId: org.id,
    metadata: { amountMicros: amountMicros.toString(), ledgerEntryId: entry.id.toString() },
  });
  return { org, balanceMicros: entry.balanceAfterMicros };
}

export interface CreateKeyOptions {
  project?: string | undefined;
  name?: string | undefined;
  rpm?: number | undefined;
  tpm?: number | undefined;
  spendLimitMicros?: bigint | undefined;
  expiresAt?: Date | undefined;
}

export async function createKey(db: Database, orgSlug: string, options: CreateKeyOptions) {
  if (options.expiresAt && options.expiresAt.getTime() <= Date.now()) {
    throw new UsageError("--expires must be in the future");
  }
  const org = await findOrg(db, orgSlug);
  const projectSlug = options.project ?? defaultProjectSlug;
  const project = await db.prisma.project.findUnique({
    where: { orgId_slug: { orgId: org.id, slug: projectSlug } },
  });
  if (!project) throw new UsageError(`organization "${orgSlug}" has no project "${projectSlug}"`);
  if (project.archivedAt) throw new UsageError(`project "${projectSlug}" is archived`);
  return db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const created = await createApiKey(tx, {
      orgId: org.id,
      projectId: project.id,
      name: options.name ?? "operator key",
      rpmLimit: options.rpm ?? null,
      tpmLimit: options.tpm ?? null,
      spendLimitMicros: options.spendLimitMicros ?? null,
      expiresAt: options.expiresAt ?? null,
    });
    await writeAudit(tx, {
      orgId: org.id,
      actorType: "operator",
      action: "key.create",
      targetType: "api_key",
      targetId: created.record.id,
      metadata: { prefix: created.record.prefix, project: projectSlug },
    });
    return created;
  });
}

export async function listKeys(db: Database, orgSlug: string) {
  const org = await findOrg(db, orgSlug);
  return db.prisma.apiKey.findMany({
    where: { orgId: org.id },
    include: { project: { select: { slug: true } } },
    orderBy: { createdAt: "asc" },
  });
}

/** Revokes by the full key or by its visible prefix; a prefix must name exactly one key. */
export async function revokeKey(db: Database, keyOrPrefix: string) {
  const byHash = await db.prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(keyOrPrefix) } });
  const matches = byHash ? [byHash] : await db.prisma.apiKey.findMany({ where: { prefix: keyOrPrefix } });
  if (matches.length === 0) throw new UsageError(`no key matches "${keyOrPrefix.slice(0, 12)}"`);
  if (matches.length > 1) {
    throw new UsageError(`${matches.length} keys start with "${keyOrPrefix}": give the full key`);
  }
  const key = matches[0]!;
  if (key.status === "revoked") return { key, changed: false };
  const updated = await db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const revoked = await tx.apiKey.update({
      where: { id: key.id },
      data: { status: "revoked", revokedAt: new Date() },
    });
    await writeAudit(tx, {
      orgId: key.orgId,
      actorType: "operator",
      action: "key.revoke",
      targetType: "api_key",
      targetId: key.id,
      metadata: { prefix: key.prefix },
    });
    return revoked;
  });
  return { key: updated, changed: true };
}

export async function runSeed(db: Database) {
  return seedPrices(db.prisma);
}

export { formatUsd };

/** A one-time password reset token for an existing user. */
export async function startPasswordReset(db: Database, email: string): Promise<string> {
  const token = await createPasswordReset(db.prisma, email);
  if (!token) throw new UsageError(`no user "${email.toLowerCase()}"`);
  await writeAudit(db.prisma, {
    actorType: "operator",
    action: "user.password_reset_started",
    targetType: "user",
    targetId: null,
    metadata: { email: email.toLowerCase() },
  });
  return token;
}

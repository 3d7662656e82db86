// Minting, revoking and changing API keys for the portal (through the internal contract). The
// database changes first; then every replica is told to drop its cached copy. If that cannot be
// told, the call fails: a revocation never claims success while other replicas may still accept
// the key.

import type { ZIssueKeyInput, ZRevokeKeyInput, ZUpdateKeyInput } from "@gw/contracts";
import { createApiKey, type Database, type Prisma, writeAudit } from "@gw/db";
import type { z } from "zod";

export interface KeyChangeNotifier {
  /** Tells every replica that the key with this hash changed; rejects when it cannot. */
  publish(keyHash: string): Promise<void>;
}

export class KeyAdminError extends Error {
  override name = "KeyAdminError";
  constructor(
    readonly reason: "not_found" | "invalid" | "notify_failed",
    message: string,
  ) {
    super(message);
  }
}

type IssueInput = z.output<typeof ZIssueKeyInput>;
type RevokeInput = z.output<typeof ZRevokeKeyInput>;
type UpdateInput = z.output<typeof ZUpdateKeyInput>;

export async function issueKey(db: Database, input: IssueInput) {
  const project = await db.prisma.project.findFirst({ where: { id: input.projectId, orgId: input.orgId } });
  if (!project) throw new KeyAdminError("not_found", "No such project in this organization.");
  if (project.archivedAt) throw new KeyAdminError("invalid", "The project is archived.");
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new KeyAdminError("invalid", "The expiry must be in the future.");
  }
  return db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const { key, record } = await createApiKey(tx, {
      orgId: input.orgId,
      projectId: input.projectId,
      name: input.name,
      isTest: input.isTest,
      rpmLimit: input.rpmLimit,
      tpmLimit: input.tpmLimit,
      spendLimitMicros: input.spendLimitMicros,
      expiresAt: input.expiresAt,
      allowedModels: input.allowedModels,
      createdById: input.createdByUserId,
    });
    await writeAudit(tx, {
      orgId: input.orgId,
      actorUserId: input.createdByUserId,
      actorType: "user",
      action: "key.create",
      targetType: "api_key",
      targetId: record.id,
      metadata: { prefix: record.prefix, name: record.name, isTest: record.isTest },
    });
    return { id: record.id, key, prefix: record.prefix };
  });
}

async function findKey(db: Database, orgId: string, keyId: string) {
  const key = await db.prisma.apiKey.findFirst({ where: { id: keyId, orgId } });
  if (!key) throw new KeyAdminError("not_found", "No such API key in this organization.");
  return key;
}

async function notify(notifier: KeyChangeNotifier, keyHash: string, what: string) {
  try {
    await notifier.publish(keyHash);
  } catch {
    throw new KeyAdminError(
      "notify_failed",
      `The key was ${what} in the database, but the gateway replicas could not be told; it may keep its old state for up to 30 seconds. Retry to confirm.`,
    );
  }
}

export async function revokeKey(db: Database, notifier: KeyChangeNotifier, input: RevokeInput) {
  const key = await findKey(db, input.orgId, input.keyId);
  const scheduled = input.at && input.at.getTime() > Date.now();
  const updated = await db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const row = await tx.apiKey.update({
      where: { id: key.id },
      data: scheduled ? { revokeAt: input.at } : { status: "revoked", revokedAt: new Date() },
    });
    await writeAudit(tx, {
      orgId: input.orgId,
      actorUserId: input.actorUserId,
      actorType: input.actorUserId ? "user" : "service",
      action: scheduled ? "key.revoke_scheduled" : "key.revoke",
      targetType: "api_key",
      targetId: key.id,
      metadata: { prefix: key.prefix, ...(scheduled ? { at: input.at!.toISOString() } : {}) },
    });
    return row;
  });
  await notify(notifier, key.keyHash, "revoked");
  return { id: updated.id, prefix: updated.prefix, status: updated.status };
}

export async function updateKey(db: Database, notifier: KeyChangeNotifier, input: UpdateInput) {
  const key = await findKey(db, input.orgId, input.keyId);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new KeyAdminError("invalid", "The expiry must be in the future.");
  }
  const { orgId: _org, keyId: _key, actorUserId, ...changes } = input;
  const data = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  const updated = await db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const row = await tx.apiKey.update({ where: { id: key.id }, data });
    await writeAudit(tx, {
      orgId: input.orgId,
      actorUserId,
      actorType: actorUserId ? "user" : "service",
      action: "key.update",
      targetType: "api_key",
      targetId: key.id,
      metadata: { prefix: key.prefix, fields: Object.keys(data) },
    });
    return row;
  });
  await notify(notifier, key.keyHash, "changed");
  return { id: updated.id, prefix: updated.prefix, status: updated.status };
}

// Minting, revoking and changing API keys for the portal (through the internal contract). The
// database changes first; then every replica is told to drop its cached copy. If that cannot be
// told, the call fails: a revocation never claims success while other replicas may still accept
// the key. A key's allowed models must name models its organization can use, by any of their
// names; entries a key already has are not checked again, so a key whose model went away stays
// editable and rotatable.

import type { ZIssueKeyInput, ZRevokeKeyInput, ZUpdateKeyInput } from "@gw/contracts";
import { createApiKey, type Database, type Prisma, writeAudit } from "@gw/db";
import type { z } from "zod";
import { knownModelId } from "../routing/model-names.ts";
import type { RoutingTable } from "../routing/routing-table.ts";

export interface KeyChangeNotifier {
  /** Tells every replica that the key with this hash changed; rejects when it cannot. */
  publish(keyHash: string): Promise<void>;
}

export interface KeyAdminDeps {
  db: Database;
  keyChanges: KeyChangeNotifier;
  /** The routing table of an organization's requests: the platform's plus its own providers. */
  tableFor(orgId: string): Promise<RoutingTable>;
}

export class KeyAdminError extends Error {
  override name = "KeyAdminError";
  constructor(
    readonly reason: "not_found" | "invalid" | "notify_failed",
    message: string,
    /** The input field at fault, when one is. */
    readonly field?: "allowedModels",
  ) {
    super(message);
  }
}

type IssueInput = z.output<typeof ZIssueKeyInput>;
type RevokeInput = z.output<typeof ZRevokeKeyInput>;
type UpdateInput = z.output<typeof ZUpdateKeyInput>;

const LISTED_UNKNOWN = 5;

/**
 * Refuses entries of `allowed` that name no model of the organization, unless `kept` (what the
 * key had) has them. The message names them and says where the valid ids are listed.
 */
async function checkAllowedModels(
  deps: Pick<KeyAdminDeps, "tableFor">,
  orgId: string,
  allowed: readonly string[],
  kept: readonly string[],
): Promise<void> {
  const added = allowed.filter((id) => !kept.includes(id));
  if (added.length === 0) return;
  const table = await deps.tableFor(orgId);
  const unknown = added.filter((id) => !knownModelId(table, id));
  if (unknown.length === 0) return;
  const quoted = unknown.slice(0, LISTED_UNKNOWN).map((id) => `"${id}"`);
  const more = unknown.length - quoted.length;
  const names = more > 0 ? `${quoted.join(", ")} and ${more} more` : quoted.join(", ");
  const subject = unknown.length === 1 ? `${names} is not a model` : `${names} are not models`;
  throw new KeyAdminError(
    "invalid",
    `${subject} this organization can use. See the Models page for the ids it can use: an alias, provider/model, or the model id alone.`,
    "allowedModels",
  );
}

export async function issueKey(deps: Pick<KeyAdminDeps, "db" | "tableFor">, input: IssueInput) {
  const { db } = deps;
  const project = await db.prisma.project.findFirst({ where: { id: input.projectId, orgId: input.orgId } });
  if (!project) throw new KeyAdminError("not_found", "No such project in this organization.");
  if (project.archivedAt) throw new KeyAdminError("invalid", "The project is archived.");
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new KeyAdminError("invalid", "The expiry must be in the future.");
  }
  const replaced = input.replacesKeyId ? await findKey(db, input.orgId, input.replacesKeyId) : undefined;
  await checkAllowedModels(deps, input.orgId, input.allowedModels, replaced?.allowedModels ?? []);
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

export async function updateKey(deps: KeyAdminDeps, input: UpdateInput) {
  const { db } = deps;
  const key = await findKey(db, input.orgId, input.keyId);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new KeyAdminError("invalid", "The expiry must be in the future.");
  }
  if (input.allowedModels) {
    await checkAllowedModels(deps, input.orgId, input.allowedModels, key.allowedModels);
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
  await notify(deps.keyChanges, key.keyHash, "changed");
  return { id: updated.id, prefix: updated.prefix, status: updated.status };
}

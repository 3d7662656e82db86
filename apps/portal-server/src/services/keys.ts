// API keys of an organization. Minting, changing and revoking go through the inference service's
// internal contract (it writes the key and its audit row, and tells every gateway replica to drop
// its cached copy, failing when it cannot); the portal reads keys straight from the database.
// Every id is looked up within the caller's organization before anything is asked of inference.
// The full key of a new key is returned once and never logged.
import {
  maxListedKeys,
  type TApiKey,
  type TApiKeyStatus,
  type TIssueKeyInput,
  type TNewKey,
  type TRotatedKey,
  type ZCreateKeyInput,
  type ZListKeysInput,
  type ZRotateKeyInput,
  type ZUpdateApiKeyInput,
} from "@gw/contracts";
import { type Prisma, writeAudit } from "@gw/db";
import type { z } from "zod";
import { notFound, PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

type Actor = { orgId: string; userId: string };
type WithoutOrg<T> = Omit<T, "orgId">;

const keySelect = {
  id: true,
  name: true,
  prefix: true,
  status: true,
  projectId: true,
  project: { select: { name: true } },
  isTest: true,
  createdBy: { select: { id: true, email: true } },
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  trialEndAt: true,
  revokeAt: true,
  revokedAt: true,
  replacedById: true,
  spentMicros: true,
  spendLimitMicros: true,
  rpmLimit: true,
  tpmLimit: true,
  allowedModels: true,
} satisfies Prisma.ApiKeySelect;

type KeyRow = Prisma.ApiKeyGetPayload<{ select: typeof keySelect }>;

/** What the gateway does with the key now: the same order of checks as its authentication. */
export function effectiveStatus(
  key: Pick<KeyRow, "status" | "revokeAt" | "expiresAt" | "trialEndAt">,
  now: Date = new Date(),
): TApiKeyStatus {
  if (key.status === "revoked" || (key.revokeAt && key.revokeAt <= now)) return "revoked";
  if (
    key.status === "expired" ||
    (key.expiresAt && key.expiresAt <= now) ||
    (key.trialEndAt && key.trialEndAt <= now)
  ) {
    return "expired";
  }
  return "active";
}

function toListed(row: KeyRow, now: Date): TApiKey {
  const { project, trialEndAt: _trial, ...rest } = row;
  return { ...rest, projectName: project.name, status: effectiveStatus(row, now) };
}

/**
 * The database condition for an effective status, matching effectiveStatus. Spelled out with
 * explicit nulls: NOT over a nullable comparison would drop rows where it is NULL.
 */
function statusWhere(status: TApiKeyStatus, now: Date): Prisma.ApiKeyWhereInput {
  const notRevoked: Prisma.ApiKeyWhereInput = {
    status: { not: "revoked" },
    OR: [{ revokeAt: null }, { revokeAt: { gt: now } }],
  };
  if (status === "revoked") return { OR: [{ status: "revoked" }, { revokeAt: { lte: now } }] };
  if (status === "expired") {
    return {
      AND: [
        notRevoked,
        { OR: [{ status: "expired" }, { expiresAt: { lte: now } }, { trialEndAt: { lte: now } }] },
      ],
    };
  }
  return {
    AND: [
      notRevoked,
      { status: "active" },
      { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      { OR: [{ trialEndAt: null }, { trialEndAt: { gt: now } }] },
    ],
  };
}

async function findKey(services: PortalServices, orgId: string, keyId: string): Promise<KeyRow> {
  const key = await services.db.prisma.apiKey.findFirst({ where: { id: keyId, orgId }, select: keySelect });
  if (!key) throw notFound("API key");
  return key;
}

/** One key of the organization, as lists show it. */
export async function getKey(services: PortalServices, orgId: string, keyId: string): Promise<TApiKey> {
  return toListed(await findKey(services, orgId, keyId), new Date());
}

/** The organization's keys, newest first, at most maxListedKeys. */
export async function listKeys(
  services: PortalServices,
  orgId: string,
  input: WithoutOrg<z.output<typeof ZListKeysInput>>,
): Promise<TApiKey[]> {
  const now = new Date();
  if (input.projectId) await findProject(services, orgId, input.projectId);
  const rows = await services.db.prisma.apiKey.findMany({
    where: {
      orgId,
      ...(input.projectId ? { projectId: input.projectId } : {}),
      ...(input.status ? statusWhere(input.status, now) : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: maxListedKeys,
    select: keySelect,
  });
  return rows.map((row) => toListed(row, now));
}

async function findProject(services: PortalServices, orgId: string, projectId: string) {
  const project = await services.db.prisma.project.findFirst({
    where: { id: projectId, orgId },
    select: { id: true, archivedAt: true },
  });
  if (!project) throw notFound("Project");
  return project;
}

/**
 * Mints a key through the inference service, which checks its allowed models, stores its hash and
 * writes the audit row.
 */
function issue(
  services: PortalServices,
  actor: Actor,
  key: Required<Omit<TIssueKeyInput, "orgId" | "createdByUserId" | "replacesKeyId">> &
    Pick<TIssueKeyInput, "replacesKeyId">,
): Promise<TNewKey> {
  return services.inference.call((c) =>
    c.keys.issue.mutate({ ...key, orgId: actor.orgId, createdByUserId: actor.userId }),
  );
}

export async function createKey(
  services: PortalServices,
  actor: Actor,
  input: WithoutOrg<z.output<typeof ZCreateKeyInput>>,
): Promise<TNewKey> {
  const project = await findProject(services, actor.orgId, input.projectId);
  if (project.archivedAt) {
    throw new PortalError("precondition_failed", "The project is archived; restore it to create keys in it.");
  }
  const issued = await issue(services, actor, {
    projectId: input.projectId,
    name: input.name,
    isTest: input.isTest ?? false,
    rpmLimit: input.rpmLimit ?? null,
    tpmLimit: input.tpmLimit ?? null,
    spendLimitMicros: input.spendLimitMicros ?? null,
    expiresAt: input.expiresAt ?? null,
    allowedModels: input.allowedModels ?? [],
  });
  services.log.info({ orgId: actor.orgId, keyId: issued.id, prefix: issued.prefix }, "api key created");
  return { id: issued.id, key: issued.key, prefix: issued.prefix };
}

export async function updateKey(
  services: PortalServices,
  actor: Actor,
  input: WithoutOrg<z.output<typeof ZUpdateApiKeyInput>>,
): Promise<TApiKey> {
  const { keyId } = input;
  // Named one by one: only these fields reach the inference service.
  const changes = {
    name: input.name,
    rpmLimit: input.rpmLimit,
    tpmLimit: input.tpmLimit,
    spendLimitMicros: input.spendLimitMicros,
    expiresAt: input.expiresAt,
    allowedModels: input.allowedModels,
  };
  const key = await findKey(services, actor.orgId, keyId);
  if (Object.values(changes).every((value) => value === undefined)) {
    throw new PortalError("invalid", "Nothing to change: give at least one field.");
  }
  if (effectiveStatus(key) === "revoked") {
    throw new PortalError("precondition_failed", "This key is revoked; revoked keys cannot be changed.");
  }
  await services.inference.call((c) =>
    c.keys.update.mutate({ orgId: actor.orgId, keyId, actorUserId: actor.userId, ...changes }),
  );
  return getKey(services, actor.orgId, keyId);
}

/**
 * Revokes at once. Succeeds only when the inference service confirms that every replica was
 * told; a key already revoked is answered as it is, without a second audit row.
 */
export async function revokeKey(services: PortalServices, actor: Actor, keyId: string): Promise<TApiKey> {
  const key = await findKey(services, actor.orgId, keyId);
  if (key.status !== "revoked") {
    await services.inference.call((c) =>
      c.keys.revoke.mutate({ orgId: actor.orgId, keyId, actorUserId: actor.userId }),
    );
  }
  return getKey(services, actor.orgId, keyId);
}

const ROTATED_SUFFIX = " (rotated)";

function rotatedName(name: string): string {
  if (name.endsWith(ROTATED_SUFFIX)) return name;
  return `${name.slice(0, 100 - ROTATED_SUFFIX.length).trimEnd()}${ROTATED_SUFFIX}`;
}

/**
 * A new key with the old one's project, limits, expiry and allowed models; the old key keeps
 * working for the grace period, then is revoked (0: at once). The new key's spend starts at 0.
 * If the old key's revocation cannot be confirmed, the new key is revoked again and the call
 * fails, so no one is handed a key while the old one's fate is unknown.
 */
export async function rotateKey(
  services: PortalServices,
  actor: Actor,
  input: WithoutOrg<z.output<typeof ZRotateKeyInput>>,
): Promise<TRotatedKey> {
  const old = await findKey(services, actor.orgId, input.keyId);
  const status = effectiveStatus(old);
  if (status !== "active") {
    throw new PortalError("precondition_failed", `This key is ${status}; only active keys can be rotated.`);
  }
  if (old.replacedById) {
    throw new PortalError(
      "precondition_failed",
      "This key was already rotated; rotate its replacement, or revoke this one now.",
    );
  }
  const issued = await issue(services, actor, {
    projectId: old.projectId,
    name: rotatedName(old.name),
    isTest: old.isTest,
    rpmLimit: old.rpmLimit,
    tpmLimit: old.tpmLimit,
    spendLimitMicros: old.spendLimitMicros,
    expiresAt: old.expiresAt,
    // Carried over as they are, even entries that name no model any more.
    allowedModels: old.allowedModels,
    replacesKeyId: old.id,
  });
  const at =
    input.gracePeriodSeconds > 0 ? new Date(Date.now() + input.gracePeriodSeconds * 1000) : undefined;
  try {
    await services.inference.call((c) =>
      c.keys.revoke.mutate({
        orgId: actor.orgId,
        keyId: old.id,
        actorUserId: actor.userId,
        ...(at ? { at } : {}),
      }),
    );
  } catch (error) {
    await services.inference
      .call((c) => c.keys.revoke.mutate({ orgId: actor.orgId, keyId: issued.id, actorUserId: actor.userId }))
      .catch(() =>
        services.log.warn(
          { orgId: actor.orgId, keyId: issued.id, prefix: issued.prefix },
          "rotation failed and its new key could not be revoked again; it was never handed out",
        ),
      );
    if (error instanceof PortalError && error.reason === "unavailable") {
      throw new PortalError("unavailable", await unconfirmedRotation(services, actor.orgId, old.id));
    }
    throw error;
  }
  const revoked = await services.db.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
    const row = await tx.apiKey.update({
      where: { id: old.id, orgId: actor.orgId },
      data: { replacedById: issued.id },
      select: { revokeAt: true, revokedAt: true },
    });
    await writeAudit(tx, {
      orgId: actor.orgId,
      actorUserId: actor.userId,
      actorType: "user",
      action: "key.rotate",
      targetType: "api_key",
      targetId: old.id,
      metadata: {
        prefix: old.prefix,
        newKeyId: issued.id,
        newPrefix: issued.prefix,
        gracePeriodSeconds: input.gracePeriodSeconds,
      },
    });
    return row;
  });
  services.log.info(
    { orgId: actor.orgId, keyId: old.id, newKeyId: issued.id, prefix: issued.prefix },
    "api key rotated",
  );
  return {
    id: issued.id,
    key: issued.key,
    prefix: issued.prefix,
    oldKeyRevokeAt: revoked.revokeAt ?? revoked.revokedAt ?? new Date(),
  };
}

/** What to tell the caller when the old key's revocation was not confirmed: its actual state. */
async function unconfirmedRotation(services: PortalServices, orgId: string, keyId: string): Promise<string> {
  const key = await services.db.prisma.apiKey.findFirst({
    where: { id: keyId, orgId },
    select: { status: true, revokeAt: true },
  });
  const withdrawn = "The inference service could not confirm the rotation, so its new key was withdrawn.";
  if (key?.status === "revoked") {
    return `${withdrawn} The old key is revoked (some gateway replicas may accept it for up to 30 more seconds); create a new key.`;
  }
  if (key?.revokeAt) {
    return `${withdrawn} The old key is still set to stop at ${key.revokeAt.toISOString()}; rotate it again to get its replacement.`;
  }
  return `${withdrawn} The old key is unchanged; try again in a moment.`;
}

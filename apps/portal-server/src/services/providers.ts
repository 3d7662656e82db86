// An organization's own providers (BYOK). The API key is sealed with the secret box bound to the
// org and the provider's id (the owner string the inference service opens it with), so the row
// alone, or the row copied elsewhere, gives nothing. Base URLs are checked against SSRF here, at
// save time; the inference service checks every address again when it connects. After every
// change the inference service is told, so the org's next request routes on the new providers.

import { randomUUID } from "node:crypto";
import {
  missingBaseUrlMessage,
  providerKinds,
  type TProvider,
  type TProviderKind,
  type TProviderTestResult,
} from "@gw/contracts";
import { type CustomProvider, isUniqueViolation, type Prisma, writeAudit } from "@gw/db";
import {
  assertPublicUrl,
  lastFour,
  providerKeyOwner,
  type SecretBox,
  SecretBoxError,
  UnsafeUrlError,
} from "@gw/server-kit";
import { notFound, PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

/** Few enough to list in one page; more than any organization needs. */
export const maxProvidersPerOrg = 50;
/** Credential tests (saved or not) per organization per attempt window (15 minutes). */
const TESTS_PER_WINDOW = 60;

export interface ProviderActor {
  orgId: string;
  userId: string;
  ip: string | null;
}

export function toProvider(row: CustomProvider): TProvider {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    baseUrl: row.baseUrl,
    keyLast4: `…${row.keyLast4}`,
    models: row.models,
    status: row.status,
    lastTestedAt: row.lastTestedAt,
    lastError: row.lastError,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function requireSecretBox(services: PortalServices): SecretBox {
  if (!services.secretBox) {
    throw new PortalError(
      "precondition_failed",
      "Your own provider keys are off on this server: an operator must set ENCRYPTION_KEY (32 bytes, as 64 hex characters) to turn them on.",
    );
  }
  return services.secretBox;
}

/**
 * The base URL to store: null for the kind's official API, else a URL that passed the SSRF guard
 * (https, public addresses only, unless ALLOW_PRIVATE_PROVIDER_HOSTS), without credentials,
 * query or fragment (nothing secret can hide in what lists and audit rows show).
 */
export async function checkBaseUrl(
  services: PortalServices,
  kind: TProviderKind,
  baseUrl: string | null | undefined,
): Promise<string | null> {
  if (baseUrl === undefined || baseUrl === null) {
    if (providerKinds[kind].baseUrlRequired) {
      throw new PortalError("invalid", missingBaseUrlMessage(kind, "sentence"));
    }
    return null;
  }
  let url: URL;
  try {
    url = await assertPublicUrl(baseUrl, { allowPrivate: services.env.ALLOW_PRIVATE_PROVIDER_HOSTS });
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw new PortalError("invalid", error.message);
    throw error;
  }
  if (url.username || url.password) {
    throw new PortalError("invalid", "The base URL must not carry credentials; put the key in API key.");
  }
  if (url.search || url.hash) {
    throw new PortalError("invalid", "The base URL must not have a query string or fragment.");
  }
  return url.href.replace(/\/+$/, "");
}

const nameTaken = (name: string) =>
  new PortalError("conflict", `This organization already has a provider named ${name}.`);

/** Tells the inference service; a miss only delays the change (its cache expires within 30 s). */
async function announceChange(services: PortalServices, orgId: string) {
  await services.inference
    .call((c) => c.providers.changed.mutate({ orgId }))
    .catch((error: unknown) =>
      services.log.warn({ orgId, err: error }, "byok: inference not told of a provider change"),
    );
}

/** Runs a create or an update in one transaction (a taken name is a conflict), then tells inference. */
async function saveProvider(
  services: PortalServices,
  orgId: string,
  name: string,
  work: (tx: Prisma.TransactionClient) => Promise<CustomProvider>,
): Promise<TProvider> {
  let row: CustomProvider;
  try {
    row = await services.db.prisma.$transaction(work);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
  await announceChange(services, orgId);
  return toProvider(row);
}

async function findProvider(services: PortalServices, orgId: string, providerId: string) {
  const row = await services.db.prisma.customProvider.findFirst({ where: { id: providerId, orgId } });
  if (!row) throw notFound("Provider");
  return row;
}

async function limitTests(services: PortalServices, orgId: string) {
  const attempt = await services.attempts.hit(`provider-test:org:${orgId}`, TESTS_PER_WINDOW);
  if (!attempt.allowed) {
    throw new PortalError(
      "rate_limited",
      `Too many provider tests. Try again in ${Math.ceil(attempt.retryAfterSeconds / 60)} minutes.`,
      attempt.retryAfterSeconds,
    );
  }
}

export async function listProviders(services: PortalServices, orgId: string): Promise<TProvider[]> {
  const rows = await services.db.prisma.customProvider.findMany({
    where: { orgId },
    orderBy: { name: "asc" },
    take: maxProvidersPerOrg,
  });
  return rows.map(toProvider);
}

export async function createProvider(
  services: PortalServices,
  actor: ProviderActor,
  input: {
    name: string;
    kind: TProviderKind;
    baseUrl?: string | undefined;
    apiKey: string;
    models: string[];
  },
): Promise<TProvider> {
  const box = requireSecretBox(services);
  const baseUrl = await checkBaseUrl(services, input.kind, input.baseUrl);
  // The id is chosen here so the key can be sealed to it before the row exists.
  const id = randomUUID();
  const encryptedKey = box.seal(input.apiKey, providerKeyOwner(actor.orgId, id));
  return saveProvider(services, actor.orgId, input.name, async (tx) => {
    if ((await tx.customProvider.count({ where: { orgId: actor.orgId } })) >= maxProvidersPerOrg) {
      throw new PortalError(
        "precondition_failed",
        `An organization can have at most ${maxProvidersPerOrg} providers; delete one first.`,
      );
    }
    const created = await tx.customProvider.create({
      data: {
        id,
        orgId: actor.orgId,
        kind: input.kind,
        name: input.name,
        baseUrl,
        encryptedKey,
        keyLast4: lastFour(input.apiKey),
        models: input.models,
      },
    });
    await writeAudit(tx, {
      orgId: actor.orgId,
      actorUserId: actor.userId,
      actorType: "user",
      action: "provider.create",
      targetType: "provider",
      targetId: id,
      metadata: { name: input.name, kind: input.kind, baseUrl },
      ip: actor.ip,
    });
    return created;
  });
}

export async function updateProvider(
  services: PortalServices,
  actor: ProviderActor,
  input: {
    providerId: string;
    name?: string | undefined;
    baseUrl?: string | null | undefined;
    apiKey?: string | undefined;
    models?: string[] | undefined;
    status?: "active" | "disabled" | undefined;
  },
): Promise<TProvider> {
  const current = await findProvider(services, actor.orgId, input.providerId);
  const box = requireSecretBox(services);
  const changed = (["name", "baseUrl", "apiKey", "models", "status"] as const).filter(
    (field) => input[field] !== undefined,
  );
  if (changed.length === 0) throw new PortalError("invalid", "Nothing to change: give at least one field.");
  const baseUrl =
    input.baseUrl === undefined ? undefined : await checkBaseUrl(services, current.kind, input.baseUrl);
  const credentialsChanged = input.apiKey !== undefined || baseUrl !== undefined;
  // New credentials are untested: a provider taken out by a failed test serves again.
  const status = input.status ?? (credentialsChanged && current.status === "error" ? "active" : undefined);
  return saveProvider(services, actor.orgId, input.name ?? current.name, async (tx) => {
    const updated = await tx.customProvider.updateMany({
      where: { id: current.id, orgId: actor.orgId },
      data: {
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(input.apiKey === undefined
          ? {}
          : {
              encryptedKey: box.seal(input.apiKey, providerKeyOwner(actor.orgId, current.id)),
              keyLast4: lastFour(input.apiKey),
            }),
        ...(input.models === undefined ? {} : { models: input.models }),
        ...(status === undefined ? {} : { status }),
        ...(credentialsChanged ? { lastError: null, lastTestedAt: null } : {}),
      },
    });
    if (updated.count === 0) throw notFound("Provider");
    await writeAudit(tx, {
      orgId: actor.orgId,
      actorUserId: actor.userId,
      actorType: "user",
      action: "provider.update",
      targetType: "provider",
      targetId: current.id,
      // What changed, and the new visible values; a new key is only named, never shown.
      metadata: {
        changed,
        name: input.name ?? current.name,
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(input.models === undefined ? {} : { models: input.models }),
        ...(status === undefined ? {} : { status }),
      },
      ip: actor.ip,
    });
    return tx.customProvider.findUniqueOrThrow({ where: { id: current.id } });
  });
}

export async function deleteProvider(
  services: PortalServices,
  actor: ProviderActor,
  providerId: string,
): Promise<void> {
  // Deleting works with BYOK off too, so an operator who turned it off leaves no key behind.
  const current = await findProvider(services, actor.orgId, providerId);
  await services.db.prisma.$transaction(async (tx) => {
    const deleted = await tx.customProvider.deleteMany({ where: { id: current.id, orgId: actor.orgId } });
    if (deleted.count === 0) throw notFound("Provider");
    await writeAudit(tx, {
      orgId: actor.orgId,
      actorUserId: actor.userId,
      actorType: "user",
      action: "provider.delete",
      targetType: "provider",
      targetId: current.id,
      metadata: { name: current.name, kind: current.kind },
      ip: actor.ip,
    });
  });
  await announceChange(services, actor.orgId);
}

/** Tests a saved provider on its stored key and records the outcome on it. */
export async function testProvider(
  services: PortalServices,
  actor: ProviderActor,
  providerId: string,
): Promise<TProviderTestResult> {
  const current = await findProvider(services, actor.orgId, providerId);
  const box = requireSecretBox(services);
  await limitTests(services, actor.orgId);
  let apiKey: string;
  try {
    apiKey = box.open(current.encryptedKey, providerKeyOwner(actor.orgId, current.id));
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw new PortalError(
      "precondition_failed",
      "The stored key of this provider cannot be opened (ENCRYPTION_KEY changed?). Enter the key again.",
    );
  }
  const result = await services.inference.call((c) =>
    c.providers.test.mutate({
      kind: current.kind,
      ...(current.baseUrl ? { baseUrl: current.baseUrl } : {}),
      apiKey,
    }),
  );
  const status = current.status === "disabled" ? "disabled" : result.ok ? "active" : "error";
  await services.db.prisma.$transaction(async (tx) => {
    const updated = await tx.customProvider.updateMany({
      where: { id: current.id, orgId: actor.orgId },
      data: { lastTestedAt: new Date(), lastError: result.ok ? null : result.error, status },
    });
    if (updated.count === 0) return; // deleted meanwhile: nothing to record
    await writeAudit(tx, {
      orgId: actor.orgId,
      actorUserId: actor.userId,
      actorType: "user",
      action: "provider.test",
      targetType: "provider",
      targetId: current.id,
      metadata: { name: current.name, ok: result.ok, status },
      ip: actor.ip,
    });
  });
  if (status !== current.status) await announceChange(services, actor.orgId);
  return result;
}

/** Tests credentials before they are saved: the same URL checks as saving, nothing stored. */
export async function testNewProvider(
  services: PortalServices,
  orgId: string,
  input: { kind: TProviderKind; baseUrl?: string | undefined; apiKey: string },
): Promise<TProviderTestResult> {
  requireSecretBox(services);
  const baseUrl = await checkBaseUrl(services, input.kind, input.baseUrl);
  await limitTests(services, orgId);
  return services.inference.call((c) =>
    c.providers.test.mutate({ kind: input.kind, ...(baseUrl ? { baseUrl } : {}), apiKey: input.apiKey }),
  );
}

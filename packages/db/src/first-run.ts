import { createApiKey } from "./api-keys.ts";
import { writeAudit } from "./audit.ts";
import type { Database } from "./client.ts";
import { postLedgerEntry } from "./ledger.ts";
import { createOrganization } from "./orgs.ts";

export const firstRunOrgSlug = "default";
/** Demo credit for the first-run organization of an embedded, non-production install. */
export const firstRunCreditMicros = 1_000_000n;

/**
 * On an empty embedded install, a newcomer has no way to get a key while the server holds the
 * database, so the first start creates an organization with a little credit and one API key, and
 * hands the key back to be printed once. Does nothing when any organization exists.
 */
export async function bootstrapFirstRun(db: Database): Promise<{ key: string; orgSlug: string } | undefined> {
  if ((await db.prisma.organization.count()) > 0) return undefined;
  const { org, project } = await createOrganization(db.prisma, {
    slug: firstRunOrgSlug,
    name: "Default organization",
  });
  await postLedgerEntry(db.prisma, {
    orgId: org.id,
    amountMicros: firstRunCreditMicros,
    kind: "grant",
    idempotencyKey: `grant:first-run:${org.id}`,
    note: "first-run demo credit",
  });
  const { key, record } = await createApiKey(db.prisma, {
    orgId: org.id,
    projectId: project.id,
    name: "first-run key",
  });
  await writeAudit(db.prisma, {
    orgId: org.id,
    actorType: "operator",
    action: "first_run.bootstrap",
    targetType: "api_key",
    targetId: record.id,
    metadata: { prefix: record.prefix },
  });
  return { key, orgSlug: org.slug };
}

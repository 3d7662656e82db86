// An organization changed outside the gateway (suspended, reactivated): every cached copy of its
// keys goes from every replica, so the next request of any of its keys reads the organization's
// new status (authenticate refuses keys of suspended organizations), and its balance mirror is
// reloaded. The database change is the portal's; this only tells the replicas.
import type { Database } from "@gw/db";
import type { CreditStore } from "../metering/credits/credit-store.ts";
import { KeyAdminError, type KeyChangeNotifier } from "./key-admin.ts";

/** Keys told per round trip: a large organization does not open thousands of publishes at once. */
const BATCH = 100;

export async function orgChanged(
  deps: { db: Database; keyChanges: KeyChangeNotifier; credits: CreditStore | undefined },
  orgId: string,
): Promise<{ keys: number }> {
  const keys = await deps.db.prisma.apiKey.findMany({ where: { orgId }, select: { keyHash: true } });
  try {
    for (let i = 0; i < keys.length; i += BATCH) {
      await Promise.all(keys.slice(i, i + BATCH).map((key) => deps.keyChanges.publish(key.keyHash)));
    }
  } catch {
    throw new KeyAdminError(
      "notify_failed",
      "The gateway replicas could not all be told that the organization changed; its keys may keep their old state for up to 30 seconds. Retry to confirm.",
    );
  }
  await deps.credits?.invalidateOrg(orgId);
  return { keys: keys.length };
}

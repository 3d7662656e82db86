// The Responses API's conversations this gateway produced, in PostgreSQL (stored_responses), so that
// `previous_response_id` and `item_reference` resolve for the same organization whichever provider
// served the earlier response. A row is the conversation as input items; it lives for the
// operator's retention and is purged by a timer of the app. Another organization's, an expired or
// an unknown id are alike: not found.
import type { Database } from "@gw/db";
import type { ResponseInputItem } from "../providers/types.ts";

export interface ResponseStore {
  /** The conversation stored with `responseId` for `orgId`: the input items it continues from. */
  conversation(orgId: string, responseId: string): Promise<ResponseInputItem[] | undefined>;
  /** The org's stored items with these ids (the latest where an id occurs more than once). */
  items(orgId: string, ids: readonly string[]): Promise<Map<string, ResponseInputItem>>;
  save(orgId: string, responseId: string, items: readonly ResponseInputItem[]): Promise<void>;
  /** Deletes what is past its retention; returns how many rows. */
  purgeExpired(): Promise<number>;
}

const idOf = (item: ResponseInputItem): string | undefined => {
  const id = (item as { id?: unknown }).id;
  return typeof id === "string" && id !== "" ? id : undefined;
};

export function createResponseStore(db: Database, retentionDays: number): ResponseStore {
  const retentionMs = retentionDays * 86_400_000;
  const live = () => ({ gt: new Date() });
  return {
    async conversation(orgId, responseId) {
      const row = await db.prisma.storedResponse.findFirst({
        where: { id: responseId, orgId, expiresAt: live() },
        select: { items: true },
      });
      return row ? (row.items as unknown as ResponseInputItem[]) : undefined;
    },
    async items(orgId, ids) {
      const found = new Map<string, ResponseInputItem>();
      if (ids.length === 0) return found;
      const rows = await db.prisma.storedResponse.findMany({
        where: { orgId, itemIds: { hasSome: [...ids] }, expiresAt: live() },
        orderBy: { createdAt: "desc" },
        select: { items: true },
      });
      const wanted = new Set(ids);
      for (const row of rows) {
        for (const item of row.items as unknown as ResponseInputItem[]) {
          const id = idOf(item);
          if (id !== undefined && wanted.has(id) && !found.has(id)) found.set(id, item);
        }
      }
      return found;
    },
    async save(orgId, responseId, items) {
      const itemIds = items.map(idOf).filter((id): id is string => id !== undefined);
      await db.prisma.storedResponse.createMany({
        data: [
          {
            id: responseId,
            orgId,
            items: items as unknown as object[],
            itemIds,
            expiresAt: new Date(Date.now() + retentionMs),
          },
        ],
        skipDuplicates: true,
      });
    },
    async purgeExpired() {
      const { count } = await db.prisma.storedResponse.deleteMany({
        where: { expiresAt: { lt: new Date() } },
      });
      return count;
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrganization, type Database, postLedgerEntry } from "../src/index.ts";
import { createTestDatabase } from "../src/testing.ts";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe("credit ledger", () => {
  it("moves the balance with each entry and records the balance after it", async () => {
    const { org } = await createOrganization(db.prisma, { slug: "ledger-a" });
    await postLedgerEntry(db.prisma, {
      orgId: org.id,
      amountMicros: 5_000_000n,
      kind: "grant",
      idempotencyKey: "a-1",
    });
    const { entry } = await postLedgerEntry(db.prisma, {
      orgId: org.id,
      amountMicros: -1_250_000n,
      kind: "usage",
      idempotencyKey: "a-2",
    });
    expect(entry.balanceAfterMicros).toBe(3_750_000n);
    const after = await db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(after.balanceMicros).toBe(3_750_000n);
  });

  it("posts an idempotency key once, also when the replays race", async () => {
    const { org } = await createOrganization(db.prisma, { slug: "ledger-b" });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        postLedgerEntry(db.prisma, {
          orgId: org.id,
          amountMicros: 1_000_000n,
          kind: "topup",
          idempotencyKey: "evt_1",
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry.id))).toHaveProperty("size", 1);
    const after = await db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(after.balanceMicros).toBe(1_000_000n);
    expect(await db.prisma.creditLedgerEntry.count({ where: { orgId: org.id } })).toBe(1);
  });

  it("leaves the balance alone when the entry cannot be written", async () => {
    const { org } = await createOrganization(db.prisma, { slug: "ledger-c" });
    await expect(
      postLedgerEntry(db.prisma, {
        orgId: org.id,
        amountMicros: 1n,
        kind: "grant",
        idempotencyKey: "c-1",
        actorUserId: "not-a-uuid",
      }),
    ).rejects.toThrow();
    const after = await db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(after.balanceMicros).toBe(0n);
  });
});

// POST /webhooks/stripe with events signed by the Stripe SDK's own test helper: a paid Checkout
// Session credits its organization exactly once per event, whatever the deliveries; anything
// unsigned, mis-signed or stale is refused with 400 and credits nothing.
import { randomBytes } from "node:crypto";
import { createOrganization } from "@gw/db";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

const secret = `whsec_${randomBytes(16).toString("hex")}`;
const stripe = new Stripe("sk_test_webhooks");
let p: TestPlatform;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;

beforeAll(async () => {
  p = await startPlatform({ STRIPE_SECRET_KEY: "sk_test_webhooks", STRIPE_WEBHOOK_SECRET: secret });
  alice = await p.signedIn("alice");
});
afterAll(() => p?.close());

async function newOrg() {
  const { org } = await createOrganization(p.db.prisma, {
    slug: `pay-${randomBytes(4).toString("hex")}`,
    ownerUserId: alice.userId,
  });
  return org.id;
}

function checkoutEvent(
  orgId: string,
  options: { cents?: number; paid?: boolean; type?: string; metadataMicros?: string } = {},
) {
  const cents = options.cents ?? 2_500;
  return {
    id: `evt_${randomBytes(8).toString("hex")}`,
    object: "event",
    type: options.type ?? "checkout.session.completed",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `cs_test_${randomBytes(8).toString("hex")}`,
        object: "checkout.session",
        mode: "payment",
        payment_status: options.paid === false ? "unpaid" : "paid",
        amount_total: cents,
        currency: "usd",
        client_reference_id: orgId,
        customer: "cus_test_1",
        metadata: {
          orgId,
          amountMicros: options.metadataMicros ?? String(cents * 10_000),
          userId: alice.userId,
        },
      },
    },
  };
}

function deliver(
  event: object,
  sign: { secret?: string; timestamp?: number; signature?: string | null } = {},
) {
  const payload = JSON.stringify(event);
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (sign.signature !== null) {
    headers["stripe-signature"] =
      sign.signature ??
      stripe.webhooks.generateTestHeaderString({
        payload,
        secret: sign.secret ?? secret,
        ...(sign.timestamp ? { timestamp: sign.timestamp } : {}),
      });
  }
  return fetch(`${p.portalUrl}/webhooks/stripe`, { method: "POST", headers, body: payload });
}

async function balance(orgId: string) {
  return (await p.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).balanceMicros;
}

describe("POST /webhooks/stripe", () => {
  it("credits a paid session once, with a ledger entry, an audit row and the processed event", async () => {
    const orgId = await newOrg();
    const event = checkoutEvent(orgId);
    const response = await deliver(event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: "credited" });
    expect(await balance(orgId)).toBe(25_000_000n);
    const entries = await p.db.prisma.creditLedgerEntry.findMany({ where: { orgId } });
    expect(entries).toEqual([
      expect.objectContaining({
        kind: "topup",
        amountMicros: 25_000_000n,
        balanceAfterMicros: 25_000_000n,
        idempotencyKey: `stripe:${event.id}`,
        reference: event.data.object.id,
        actorUserId: alice.userId,
      }),
    ]);
    expect(await p.db.prisma.processedWebhookEvent.findUnique({ where: { id: event.id } })).toMatchObject({
      source: "stripe",
      type: "checkout.session.completed",
    });
    const audit = await p.db.prisma.auditLog.findMany({ where: { orgId, action: "billing.topup" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.metadata).toMatchObject({ amountMicros: "25000000", stripeEventId: event.id });
    // The customer Checkout created is kept for the next top-up.
    expect(
      (await p.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).stripeCustomerId,
    ).toBe("cus_test_1");
    // The ledger page shows it.
    const ledger = await alice.trpc.billing.ledger.query({ orgId });
    expect(ledger.items[0]).toMatchObject({ kind: "topup", amountMicros: 25_000_000n });

    // Delivered again (Stripe retries): 200, nothing more.
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, outcome: "duplicate" });
    expect(await balance(orgId)).toBe(25_000_000n);
    expect(await p.db.prisma.creditLedgerEntry.count({ where: { orgId } })).toBe(1);
  });

  it("credits once when the same event arrives several times at the same moment", async () => {
    const orgId = await newOrg();
    const event = checkoutEvent(orgId, { cents: 1_000 });
    const responses = await Promise.all(Array.from({ length: 6 }, () => deliver(event)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const outcomes = await Promise.all(
      responses.map(async (r) => ((await r.json()) as { outcome: string }).outcome),
    );
    expect(outcomes.filter((o) => o === "credited")).toHaveLength(1);
    expect(await balance(orgId)).toBe(10_000_000n);
    expect(await p.db.prisma.creditLedgerEntry.count({ where: { orgId } })).toBe(1);
    expect(await p.db.prisma.auditLog.count({ where: { orgId, action: "billing.topup" } })).toBe(1);
    // A second, distinct payment is a new event: credited too.
    await deliver(checkoutEvent(orgId, { cents: 500, type: "checkout.session.async_payment_succeeded" }));
    expect(await balance(orgId)).toBe(15_000_000n);
  });

  it("refuses a bad signature, a stale timestamp and an unsigned body with 400, crediting nothing", async () => {
    const orgId = await newOrg();
    const cases = [
      { secret: `whsec_${randomBytes(16).toString("hex")}` },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
      { signature: null },
      { signature: "t=1,v1=deadbeef" },
    ];
    for (const sign of cases) {
      const response = await deliver(checkoutEvent(orgId), sign);
      expect(response.status).toBe(400);
    }
    // The body must be the exact bytes that were signed.
    const event = checkoutEvent(orgId);
    const header = stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret });
    const tampered = await fetch(`${p.portalUrl}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": header },
      body: JSON.stringify({ ...event, data: { object: { ...event.data.object, amount_total: 999_900 } } }),
    });
    expect(tampered.status).toBe(400);
    expect(await balance(orgId)).toBe(0n);
    expect(await p.db.prisma.processedWebhookEvent.count({ where: { id: event.id } })).toBe(0);
  });

  it("ignores unpaid sessions, other event types and sessions whose amount disagrees with the metadata", async () => {
    const orgId = await newOrg();
    for (const event of [
      checkoutEvent(orgId, { paid: false }),
      checkoutEvent(orgId, { type: "payment_intent.succeeded" }),
      checkoutEvent(orgId, { metadataMicros: "99000000" }),
    ]) {
      const response = await deliver(event);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: true, outcome: "ignored" });
    }
    expect(await balance(orgId)).toBe(0n);
    // An unpaid session that is paid later comes back as async_payment_succeeded: credited then.
    await deliver(checkoutEvent(orgId, { type: "checkout.session.async_payment_succeeded" }));
    expect(await balance(orgId)).toBe(25_000_000n);
  });

  it("answers 500 when the event cannot be recorded, so Stripe retries", async () => {
    const broken = await startPlatform({
      STRIPE_SECRET_KEY: "sk_test_webhooks",
      STRIPE_WEBHOOK_SECRET: secret,
    });
    try {
      const { org } = await createOrganization(broken.db.prisma, { slug: "broken" });
      const event = checkoutEvent(org.id);
      await broken.db.close();
      const payload = JSON.stringify(event);
      const response = await fetch(`${broken.portalUrl}/webhooks/stripe`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret }),
        },
        body: payload,
      });
      expect(response.status).toBe(500);
    } finally {
      await broken.portal.close();
      await broken.inference.close();
    }
  });

  it("never logs the webhook secret", () => {
    expect(p.logs.join("\n")).not.toContain(secret);
  });

  it("leaves /trpc's JSON parsing alone", async () => {
    const orgId = await newOrg();
    expect(await alice.trpc.billing.summary.query({ orgId })).toMatchObject({ stripeEnabled: true });
    const bad = await rejection(
      alice.trpc.billing.createCheckout.mutate({ orgId, amountMicros: 5_000_001n }),
    );
    expect(bad.data?.code).toBe("BAD_REQUEST");
  });
});

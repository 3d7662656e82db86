// Stripe Checkout top-ups. createCheckout opens a Checkout Session for an amount of the
// organization's choosing; the credit comes only from Stripe's signed webhook
// (routes/stripe-webhook.ts -> handleStripeEvent), exactly once per event: the ledger entry
// (idempotency key "stripe:<event id>"), the processed-event row and the audit row are written in
// one transaction, and the processed-event insert decides between two deliveries of one event.
import { formatUsd, maxTopUpMicros, microsPerCent, minTopUpMicros } from "@gw/contracts";
import { isUniqueViolation, type Prisma, postLedgerEntryInTransaction, writeAudit } from "@gw/db";
import type Stripe from "stripe";
import { z } from "zod";
import { refreshGatewayCredits } from "./billing.ts";
import { PortalError } from "./errors.ts";
import type { PortalServices } from "./portal-services.ts";

const notConfigured = () =>
  new PortalError("precondition_failed", "Top-ups are not configured on this installation.");

export async function createCheckout(
  services: PortalServices,
  actor: { userId: string; email: string; orgId: string },
  amountMicros: bigint,
): Promise<{ url: string }> {
  const stripe = services.stripe;
  if (!stripe) throw notConfigured();
  if (amountMicros < minTopUpMicros || amountMicros > maxTopUpMicros) {
    throw new PortalError(
      "invalid",
      `A top-up is from ${formatUsd(minTopUpMicros)} to ${formatUsd(maxTopUpMicros)}.`,
    );
  }
  if (amountMicros % microsPerCent !== 0n) {
    throw new PortalError("invalid", "A top-up is a whole number of cents.");
  }
  const org = await services.db.prisma.organization.findUniqueOrThrow({
    where: { id: actor.orgId },
    select: { slug: true, name: true, stripeCustomerId: true },
  });
  const base = services.env.PORTAL_PUBLIC_URL.replace(/\/+$/, "");
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: "usd",
            unit_amount: Number(amountMicros / microsPerCent),
            product_data: { name: `LLM Gateway credit for ${org.name}` },
          },
        },
      ],
      client_reference_id: actor.orgId,
      metadata: { orgId: actor.orgId, amountMicros: amountMicros.toString(), userId: actor.userId },
      success_url: `${base}/o/${org.slug}/billing?checkout=success`,
      cancel_url: `${base}/o/${org.slug}/billing?checkout=cancel`,
      ...(org.stripeCustomerId
        ? { customer: org.stripeCustomerId }
        : { customer_creation: "always" as const, customer_email: actor.email }),
    });
  } catch (error) {
    // Stripe's own words stay in the log; the person gets a plain answer.
    const stripeError = error as { type?: string; code?: string; statusCode?: number };
    services.log.error(
      { orgId: actor.orgId, type: stripeError.type, code: stripeError.code, status: stripeError.statusCode },
      "Stripe Checkout session not created",
    );
    throw new PortalError("unavailable", "The payment page could not be opened; try again in a moment.");
  }
  if (!session.url)
    throw new PortalError("unavailable", "The payment page could not be opened; try again in a moment.");
  return { url: session.url };
}

/** What a Checkout Session's metadata must say (set by createCheckout). */
const ZTopUpMetadata = z.object({
  orgId: z.uuid(),
  amountMicros: z.string().regex(/^\d+$/),
  userId: z.uuid().optional(),
});

export type StripeEventOutcome =
  | { outcome: "credited"; orgId: string; amountMicros: bigint }
  | { outcome: "duplicate" }
  | { outcome: "ignored"; why: string };

const creditingEvents = new Set(["checkout.session.completed", "checkout.session.async_payment_succeeded"]);

/**
 * Credits a paid Checkout Session once per event. Rejects only when the database write failed
 * (the webhook then answers 500 and Stripe retries); anything that a retry cannot fix is ignored
 * with an error in the log for an operator.
 */
export async function handleStripeEvent(
  services: PortalServices,
  event: Stripe.Event,
): Promise<StripeEventOutcome> {
  if (!creditingEvents.has(event.type)) return { outcome: "ignored", why: "event type" };
  const session = event.data.object as Stripe.Checkout.Session;
  if (session.payment_status !== "paid") return { outcome: "ignored", why: "not paid yet" };
  const metadata = ZTopUpMetadata.safeParse(session.metadata ?? {});
  const paidMicros = BigInt(session.amount_total ?? 0) * microsPerCent;
  const problem = !metadata.success
    ? "metadata is not a top-up's"
    : session.currency !== "usd"
      ? `currency ${session.currency}`
      : BigInt(metadata.data.amountMicros) !== paidMicros
        ? `paid ${paidMicros} micro-dollars, metadata says ${metadata.data.amountMicros}`
        : session.client_reference_id !== metadata.data.orgId
          ? "client_reference_id is not the metadata's org"
          : undefined;
  if (problem || !metadata.success) {
    services.log.error(
      { eventId: event.id, sessionId: session.id, problem },
      "Stripe payment not credited: check it by hand",
    );
    return { outcome: "ignored", why: problem ?? "metadata" };
  }
  const { orgId, userId } = metadata.data;
  const prisma = services.db.prisma;
  const org = await prisma.organization.findUnique({
    where: { id: orgId },
    select: { stripeCustomerId: true },
  });
  if (!org) {
    services.log.error(
      { eventId: event.id, sessionId: session.id, orgId },
      "Stripe payment for an organization that is gone: check it by hand",
    );
    return { outcome: "ignored", why: "organization not found" };
  }
  const customerId = typeof session.customer === "string" ? session.customer : (session.customer?.id ?? null);
  try {
    const credited = await prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      // The first delivery inserts the row; a concurrent one waits on it and then inserts nothing.
      const claimed = await tx.processedWebhookEvent.createMany({
        data: [{ id: event.id, source: "stripe", type: event.type }],
        skipDuplicates: true,
      });
      if (claimed.count === 0) return false;
      const { entry, created } = await postLedgerEntryInTransaction(tx, {
        orgId,
        amountMicros: paidMicros,
        kind: "topup",
        idempotencyKey: `stripe:${event.id}`,
        reference: session.id,
        note: "Stripe Checkout top-up",
        actorUserId: userId ?? null,
      });
      if (!created) return false;
      if (customerId && !org.stripeCustomerId) {
        // Later top-ups reuse the customer Checkout created, unless another organization has it.
        const taken = await tx.organization.findUnique({
          where: { stripeCustomerId: customerId },
          select: { id: true },
        });
        if (!taken)
          await tx.organization.update({ where: { id: orgId }, data: { stripeCustomerId: customerId } });
      }
      await writeAudit(tx, {
        orgId,
        actorUserId: userId ?? null,
        actorType: "service",
        action: "billing.topup",
        targetType: "organization",
        targetId: orgId,
        metadata: {
          amountMicros: paidMicros.toString(),
          ledgerEntryId: entry.id.toString(),
          stripeEventId: event.id,
          stripeSessionId: session.id,
        },
      });
      return true;
    });
    if (!credited) return { outcome: "duplicate" };
  } catch (error) {
    // A unique violation is a concurrent delivery of this event, unless nothing got credited.
    if (isUniqueViolation(error)) {
      const posted = await prisma.creditLedgerEntry.findUnique({
        where: { idempotencyKey: `stripe:${event.id}` },
      });
      if (posted) return { outcome: "duplicate" };
    }
    throw error;
  }
  // Not awaited: Stripe gets its answer without waiting for the gateways (the refresh never rejects).
  void refreshGatewayCredits(services, orgId);
  return { outcome: "credited", orgId, amountMicros: paidMicros };
}

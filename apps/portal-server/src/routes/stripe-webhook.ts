// POST /webhooks/stripe: Stripe's signed events. The signature covers the exact bytes Stripe
// sent, so this plugin parses JSON bodies as the raw Buffer (scoped to the plugin: /trpc keeps its
// own parser). Answers: 400 for a bad or stale signature (nothing done), 200 once the event is
// handled or deliberately ignored, 500 only when the database write failed (Stripe retries).
import type { FastifyPluginAsync } from "fastify";
import type Stripe from "stripe";
import type { PortalServices } from "../services/portal-services.ts";
import { handleStripeEvent } from "../services/stripe.ts";

export const stripeWebhookRoutes: FastifyPluginAsync<{ services: PortalServices }> = async (
  app,
  { services },
) => {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );

  app.post("/webhooks/stripe", async (request, reply) => {
    const stripe = services.stripe;
    const secret = services.env.STRIPE_WEBHOOK_SECRET;
    if (!stripe || !secret) {
      return reply.code(404).send({ error: { message: "Stripe is not configured on this installation." } });
    }
    const signature = request.headers["stripe-signature"];
    if (!Buffer.isBuffer(request.body) || typeof signature !== "string") {
      return reply.code(400).send({ error: { message: "A signed Stripe event is expected." } });
    }
    let event: Stripe.Event;
    try {
      // Default tolerance: 300 s, so a replayed old delivery is refused too.
      event = stripe.webhooks.constructEvent(request.body, signature, secret);
    } catch {
      return reply.code(400).send({ error: { message: "The Stripe signature does not verify." } });
    }
    try {
      const result = await handleStripeEvent(services, event);
      if (result.outcome === "credited") {
        services.log.info(
          { eventId: event.id, orgId: result.orgId, amountMicros: result.amountMicros.toString() },
          "Stripe top-up credited",
        );
      }
      return { received: true, outcome: result.outcome };
    } catch (error) {
      services.log.error({ eventId: event.id, type: event.type, err: error }, "Stripe event not recorded");
      return reply.code(500).send({ error: { message: "The event could not be recorded; retry later." } });
    }
  });
};

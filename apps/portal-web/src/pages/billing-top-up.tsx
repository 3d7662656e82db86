// Top-up through Stripe Checkout when configured; otherwise the server's message says why not.
import { ZUsdAmount } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { FormActions, TextField } from "../components/field.tsx";
import { Alert, MutationError } from "../components/query-state.tsx";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

const ZTopUpForm = z.object({ amount: ZUsdAmount });

export function TopUpCard({ stripeEnabled }: { stripeEnabled: boolean }) {
  const org = useOrg();
  const form = useForm({ resolver: zodResolver(ZTopUpForm), defaultValues: { amount: "25" } });
  const checkout = trpc.billing.createCheckout.useMutation({
    onSuccess: ({ url }) => window.location.assign(url),
  });
  return (
    <section className="card" aria-labelledby="top-up-heading">
      <h2 id="top-up-heading">Add credit</h2>
      {!stripeEnabled && (
        <Alert kind="info">
          <p>
            Card top-ups are not configured on this installation (it needs STRIPE_SECRET_KEY and
            STRIPE_WEBHOOK_SECRET). A platform admin can grant credit meanwhile.
          </p>
        </Alert>
      )}
      <form
        noValidate
        onSubmit={form.handleSubmit((values) =>
          checkout.mutate({ orgId: org.id, amountMicros: values.amount }),
        )}
      >
        <TextField
          label="Amount (USD)"
          inputMode="decimal"
          hint="From $5 to $10,000. You pay on Stripe's page and come back here."
          error={form.formState.errors.amount?.message}
          {...form.register("amount")}
        />
        <MutationError error={checkout.error} />
        <FormActions
          pending={checkout.isPending}
          label="Continue to payment"
          pendingLabel="Opening Stripe…"
        />
      </form>
    </section>
  );
}

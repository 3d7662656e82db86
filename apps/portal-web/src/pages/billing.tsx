// Billing: balance, top-up, low-balance warning threshold, ledger, monthly statements.
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useSearchParams } from "react-router";
import { z } from "zod";
import { FormActions, TextField } from "../components/field.tsx";
import { Money } from "../components/money.tsx";
import { Alert, MutationError, QueryState } from "../components/query-state.tsx";
import { Stats } from "../components/stats.tsx";
import { optionalUsd, usdInputValue } from "../lib/form-schemas.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";
import { LedgerTable, StatementsTable } from "./billing-history.tsx";
import { TopUpCard } from "./billing-top-up.tsx";

const ZThresholdForm = z.object({ threshold: optionalUsd });

function ThresholdCard({ current }: { current: bigint | null }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const form = useForm({
    resolver: zodResolver(ZThresholdForm),
    defaultValues: { threshold: usdInputValue(current) },
  });
  const save = trpc.billing.setLowBalanceThreshold.useMutation({
    onSuccess: () => utils.billing.summary.invalidate(),
  });
  return (
    <section className="card" aria-labelledby="threshold-heading">
      <h2 id="threshold-heading">Low-balance warning</h2>
      <form
        noValidate
        onSubmit={form.handleSubmit((values) =>
          save.mutate({ orgId: org.id, thresholdMicros: values.threshold }),
        )}
      >
        <TextField
          label="Warn below (USD)"
          inputMode="decimal"
          hint="The dashboard warns when available credit falls below this. Blank: no warning."
          error={form.formState.errors.threshold?.message}
          {...form.register("threshold")}
        />
        <MutationError error={save.error} />
        {save.isSuccess && <Alert kind="success">Saved.</Alert>}
        <FormActions pending={save.isPending} label="Save" />
      </form>
    </section>
  );
}

export function BillingPage() {
  const org = useOrg();
  const [params] = useSearchParams();
  const summary = trpc.billing.summary.useQuery({ orgId: org.id });
  const manage = org.can("billing:manage");
  return (
    <div className="page">
      <header className="page-header">
        <h1>Billing</h1>
      </header>
      {params.get("checkout") === "success" && (
        <Alert kind="success">
          <p>
            Payment received. The credit appears here as soon as Stripe confirms it, usually within seconds.
          </p>
        </Alert>
      )}
      {params.get("checkout") === "cancel" && (
        <Alert kind="info">
          <p>The payment was cancelled; nothing was charged.</p>
        </Alert>
      )}
      <QueryState query={summary}>
        {(s) => (
          <>
            {s.lowBalance && (
              <div className="banner banner-warning" role="alert">
                Low balance: <Money micros={s.availableMicros} /> available.
              </div>
            )}
            <Stats
              items={[
                { label: "Balance", value: <Money micros={s.balanceMicros} /> },
                {
                  label: "Reserved by requests in flight",
                  value: s.reservedMicros === null ? "unknown" : <Money micros={s.reservedMicros} />,
                },
                { label: "Available", value: <Money micros={s.availableMicros} /> },
                { label: "Spent this month", value: <Money micros={s.spentThisMonthMicros} /> },
              ]}
            />
            {manage ? (
              <div className="grid-2">
                <TopUpCard stripeEnabled={s.stripeEnabled} />
                <ThresholdCard current={s.lowBalanceThresholdMicros} />
              </div>
            ) : (
              <p className="muted">Only owners and admins can add credit or change the warning.</p>
            )}
          </>
        )}
      </QueryState>
      <LedgerTable />
      <StatementsTable />
    </div>
  );
}

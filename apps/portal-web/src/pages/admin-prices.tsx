// Platform admin: model prices (micro-dollars per million tokens), current and scheduled; set a new one.
import { type TModelPriceRow, ZUsdAmount } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { type Column, DataTable } from "../components/data-table.tsx";
import { Dialog } from "../components/dialog.tsx";
import { FormActions, TextField } from "../components/field.tsx";
import { Money } from "../components/money.tsx";
import { MutationError, QueryState } from "../components/query-state.tsx";
import { optionalUsd, usdInputValue } from "../lib/form-schemas.ts";
import { formatDateTime } from "../lib/format.ts";
import { trpc } from "../lib/trpc.ts";

/** A price may be zero; blank optional prices are none. */
const price = z
  .literal("0")
  .transform(() => 0n)
  .or(ZUsdAmount);
const ZPriceForm = z.object({
  provider: z.string().trim().min(1, "enter a provider"),
  model: z.string().trim().min(1, "enter a model"),
  input: price,
  output: price,
  cachedInput: optionalUsd,
  cacheWrite: optionalUsd,
  effectiveFrom: z.string().transform((text) => (text ? new Date(text) : undefined)),
});

type Editing = Partial<TModelPriceRow> | undefined;

function PriceDialog({ editing, onClose }: { editing: Editing; onClose: () => void }) {
  const utils = trpc.useUtils();
  const form = useForm({
    resolver: zodResolver(ZPriceForm),
    values: {
      provider: editing?.provider ?? "",
      model: editing?.model ?? "",
      input: usdInputValue(editing?.inputPerMTokMicros),
      output: usdInputValue(editing?.outputPerMTokMicros),
      cachedInput: usdInputValue(editing?.cachedInputPerMTokMicros),
      cacheWrite: usdInputValue(editing?.cacheWritePerMTokMicros),
      effectiveFrom: "",
    },
  });
  const setPrice = trpc.admin.setPrice.useMutation({
    onSuccess: async () => {
      await utils.admin.prices.invalidate();
      setPrice.reset();
      onClose();
    },
  });
  const errors = form.formState.errors;
  return (
    <Dialog open={Boolean(editing)} title="Set a price" onClose={onClose} wide>
      <form
        noValidate
        onSubmit={form.handleSubmit((v) =>
          setPrice.mutate({
            provider: v.provider,
            model: v.model,
            inputPerMTokMicros: v.input,
            outputPerMTokMicros: v.output,
            cachedInputPerMTokMicros: v.cachedInput,
            cacheWritePerMTokMicros: v.cacheWrite,
            ...(v.effectiveFrom ? { effectiveFrom: v.effectiveFrom } : {}),
          }),
        )}
      >
        <div className="field-row">
          <TextField label="Provider" error={errors.provider?.message} {...form.register("provider")} />
          <TextField label="Model" error={errors.model?.message} {...form.register("model")} />
        </div>
        <p className="muted">USD per million tokens.</p>
        <div className="field-row">
          <TextField
            label="Input"
            inputMode="decimal"
            error={errors.input?.message}
            {...form.register("input")}
          />
          <TextField
            label="Output"
            inputMode="decimal"
            error={errors.output?.message}
            {...form.register("output")}
          />
          <TextField
            label="Cached input"
            inputMode="decimal"
            hint="Blank: none."
            error={errors.cachedInput?.message}
            {...form.register("cachedInput")}
          />
          <TextField
            label="Cache write"
            inputMode="decimal"
            hint="Blank: none."
            error={errors.cacheWrite?.message}
            {...form.register("cacheWrite")}
          />
        </div>
        <TextField
          label="Takes effect"
          type="datetime-local"
          hint="Blank: now. Past requests keep the price they were charged."
          error={errors.effectiveFrom?.message}
          {...form.register("effectiveFrom")}
        />
        <MutationError error={setPrice.error} />
        <FormActions onCancel={onClose} pending={setPrice.isPending} label="Save price" />
      </form>
    </Dialog>
  );
}

export function AdminPricesPage() {
  const prices = trpc.admin.prices.useQuery();
  const [editing, setEditing] = useState<Editing>();
  const columns: Column<TModelPriceRow>[] = [
    { header: "Provider", cell: (p) => p.provider },
    { header: "Model", cell: (p) => <code>{p.model}</code> },
    { header: "Input / 1M", numeric: true, cell: (p) => <Money micros={p.inputPerMTokMicros} /> },
    { header: "Output / 1M", numeric: true, cell: (p) => <Money micros={p.outputPerMTokMicros} /> },
    {
      header: "Cached input / 1M",
      numeric: true,
      cell: (p) => <Money micros={p.cachedInputPerMTokMicros} />,
    },
    { header: "Cache write / 1M", numeric: true, cell: (p) => <Money micros={p.cacheWritePerMTokMicros} /> },
    { header: "Since", cell: (p) => formatDateTime(p.effectiveFrom) },
    {
      header: "Actions",
      cell: (p) => (
        <button type="button" className="button-small" onClick={() => setEditing(p)}>
          Change
          <span className="visually-hidden">
            {" "}
            {p.provider}/{p.model}
          </span>
        </button>
      ),
    },
  ];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Model prices</h1>
        <button type="button" className="button-primary" onClick={() => setEditing({})}>
          Add price
        </button>
      </header>
      <QueryState
        query={prices}
        isEmpty={(p) => p.current.length === 0 && p.scheduled.length === 0}
        empty="No prices yet."
      >
        {(p) => (
          <>
            <DataTable caption="Prices in force" columns={columns} rows={p.current} rowKey={(r) => r.id} />
            {p.scheduled.length > 0 && (
              <DataTable
                caption="Scheduled prices"
                columns={columns}
                rows={p.scheduled}
                rowKey={(r) => r.id}
              />
            )}
          </>
        )}
      </QueryState>
      <PriceDialog editing={editing} onClose={() => setEditing(undefined)} />
    </div>
  );
}

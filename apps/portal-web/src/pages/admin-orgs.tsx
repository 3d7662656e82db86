// Platform admin: every organization, its balance; grant or deduct credits; suspend or reactivate.
import type { TAdminOrg } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { type Column, DataTable } from "../components/data-table.tsx";
import { ConfirmDialog, Dialog } from "../components/dialog.tsx";
import { FormActions, TextField } from "../components/field.tsx";
import { Money } from "../components/money.tsx";
import { Pager, useCursorPages } from "../components/pager.tsx";
import { Alert, MutationError, QueryState } from "../components/query-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { signedUsd } from "../lib/form-schemas.ts";
import { formatCount, formatDate } from "../lib/format.ts";
import { trpc } from "../lib/trpc.ts";

const ZAdjustForm = z.object({
  amount: signedUsd,
  note: z.string().trim().min(1, "say why").max(500),
});

function AdjustCreditsDialog({ org, onClose }: { org: TAdminOrg | undefined; onClose: () => void }) {
  const utils = trpc.useUtils();
  // One idempotency key per dialog opening: a double click or a retry posts once.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const form = useForm({ resolver: zodResolver(ZAdjustForm), defaultValues: { amount: "", note: "" } });
  const adjust = trpc.admin.adjustCredits.useMutation({
    onSuccess: () => {
      void utils.admin.orgs.invalidate();
      void utils.billing.invalidate();
      void utils.orgs.invalidate();
    },
  });
  return (
    <Dialog open={Boolean(org)} title={`Credits for ${org?.name ?? ""}`} onClose={onClose}>
      <p>
        Balance now: <Money micros={adjust.data?.balanceAfterMicros ?? org?.balanceMicros} />
      </p>
      {adjust.data ? (
        <>
          <Alert kind="success">
            <p>
              {adjust.data.amountMicros > 0n ? "Granted" : "Deducted"}{" "}
              <Money micros={adjust.data.amountMicros} />. New balance:{" "}
              <Money micros={adjust.data.balanceAfterMicros} />.
            </p>
          </Alert>
          <div className="actions">
            <button type="button" className="button-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form
          noValidate
          onSubmit={form.handleSubmit(
            (values) =>
              org &&
              adjust.mutate({
                orgId: org.id,
                amountMicros: values.amount,
                note: values.note,
                idempotencyKey,
              }),
          )}
        >
          <TextField
            label="Amount (USD)"
            inputMode="decimal"
            hint="Positive grants credit, negative (e.g. -5) deducts it."
            error={form.formState.errors.amount?.message}
            {...form.register("amount")}
          />
          <TextField
            label="Note"
            hint="Shown in the organization's ledger."
            error={form.formState.errors.note?.message}
            {...form.register("note")}
          />
          <MutationError error={adjust.error} />
          <FormActions
            onCancel={onClose}
            pending={adjust.isPending}
            label="Post adjustment"
            pendingLabel="Posting…"
          />
        </form>
      )}
    </Dialog>
  );
}

function StatusDialog({ org, onClose }: { org: TAdminOrg | undefined; onClose: () => void }) {
  const utils = trpc.useUtils();
  const next = org?.status === "active" ? "suspended" : "active";
  const setStatus = trpc.admin.setOrgStatus.useMutation({
    onSuccess: async () => {
      await utils.admin.orgs.invalidate();
      void utils.orgs.invalidate();
      setStatus.reset();
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open={Boolean(org)}
      title={next === "suspended" ? `Suspend ${org?.name ?? ""}?` : `Reactivate ${org?.name ?? ""}?`}
      confirmLabel={next === "suspended" ? "Suspend" : "Reactivate"}
      pending={setStatus.isPending}
      error={<MutationError error={setStatus.error} />}
      onConfirm={() => org && setStatus.mutate({ orgId: org.id, status: next })}
      onClose={() => {
        setStatus.reset();
        onClose();
      }}
    >
      <p>
        {next === "suspended"
          ? "Its API keys are refused and its members can only read until it is reactivated."
          : "Its keys work again and its members can make changes."}
      </p>
    </ConfirmDialog>
  );
}

export function AdminOrgsPage() {
  const [search, setSearch] = useState("");
  const pages = useCursorPages<string>();
  const orgs = trpc.admin.orgs.useQuery({
    search: search || undefined,
    cursor: pages.cursor ?? null,
    limit: 50,
  });
  const [adjusting, setAdjusting] = useState<TAdminOrg>();
  const [statusOf, setStatusOf] = useState<TAdminOrg>();
  const columns: Column<TAdminOrg>[] = [
    {
      header: "Organization",
      cell: (org) => (
        <>
          {org.name} <code>{org.slug}</code>
        </>
      ),
    },
    { header: "Status", cell: (org) => <StatusBadge status={org.status} /> },
    { header: "Balance", numeric: true, cell: (org) => <Money micros={org.balanceMicros} /> },
    { header: "Spent this month", numeric: true, cell: (org) => <Money micros={org.spentThisMonthMicros} /> },
    { header: "Members", numeric: true, cell: (org) => formatCount(org.members) },
    { header: "Created", cell: (org) => formatDate(org.createdAt) },
    {
      header: "Actions",
      cell: (org) => (
        <div className="row-actions">
          <button type="button" className="button-small" onClick={() => setAdjusting(org)}>
            Adjust credits<span className="visually-hidden"> for {org.slug}</span>
          </button>
          <button type="button" className="button-small" onClick={() => setStatusOf(org)}>
            {org.status === "active" ? "Suspend" : "Reactivate"}
            <span className="visually-hidden"> {org.slug}</span>
          </button>
        </div>
      ),
    },
  ];
  return (
    <div className="page">
      <header className="page-header">
        <h1>Organizations &amp; credits</h1>
      </header>
      <div className="filters">
        <TextField
          label="Search"
          type="search"
          placeholder="slug or name"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            pages.reset();
          }}
        />
      </div>
      <QueryState query={orgs} isEmpty={(page) => page.items.length === 0} empty="No organization matches.">
        {(page) => (
          <>
            <DataTable
              caption="Organizations"
              hideCaption
              columns={columns}
              rows={page.items}
              rowKey={(org) => org.id}
            />
            <Pager pages={pages} nextCursor={page.nextCursor} />
          </>
        )}
      </QueryState>
      {adjusting && (
        <AdjustCreditsDialog key={adjusting.id} org={adjusting} onClose={() => setAdjusting(undefined)} />
      )}
      <StatusDialog org={statusOf} onClose={() => setStatusOf(undefined)} />
    </div>
  );
}

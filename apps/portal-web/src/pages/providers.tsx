// Providers (BYOK): the organization's own provider keys. Add, test, edit, disable, delete;
// keys are shown only by their last four characters.
import { providerKinds, type TProvider } from "@gw/contracts";
import { useState } from "react";
import { type Column, DataTable } from "../components/data-table.tsx";
import { ConfirmDialog } from "../components/dialog.tsx";
import { Alert, MutationError, QueryState } from "../components/query-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { formatDateTime } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";
import { ProviderDialog, TestResult } from "./provider-dialog.tsx";

export function ProvidersPage() {
  const org = useOrg();
  const utils = trpc.useUtils();
  const config = trpc.config.get.useQuery();
  const providers = trpc.providers.list.useQuery({ orgId: org.id });
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<TProvider>();
  const [deleting, setDeleting] = useState<TProvider>();
  const refresh = { onSettled: () => utils.providers.list.invalidate() };
  const test = trpc.providers.test.useMutation(refresh);
  const update = trpc.providers.update.useMutation(refresh);
  const remove = trpc.providers.delete.useMutation({
    onSuccess: async () => {
      await utils.providers.list.invalidate();
      setDeleting(undefined);
    },
  });
  const manage = org.can("providers:manage") && config.data?.byokEnabled !== false;
  const columns: Column<TProvider>[] = [
    {
      header: "Name",
      cell: (p) => (
        <>
          {p.name}
          <span className="cell-note">{providerKinds[p.kind].label}</span>
        </>
      ),
    },
    { header: "Base URL", cell: (p) => p.baseUrl ?? "official API" },
    { header: "Key", cell: (p) => <code>…{p.keyLast4.replace(/^…/, "")}</code> },
    { header: "Models", cell: (p) => p.models.join(", ") || "—" },
    {
      header: "Status",
      cell: (p) => (
        <>
          <StatusBadge status={p.status} />
          {p.lastError && <span className="cell-note">{p.lastError}</span>}
          <span className="cell-note">tested {formatDateTime(p.lastTestedAt)}</span>
        </>
      ),
    },
  ];
  if (manage) {
    columns.push({
      header: "Actions",
      cell: (p) => (
        <div className="row-actions">
          <button
            type="button"
            className="button-small"
            disabled={test.isPending}
            onClick={() => test.mutate({ orgId: org.id, providerId: p.id })}
          >
            Test<span className="visually-hidden"> {p.name}</span>
          </button>
          <button type="button" className="button-small" onClick={() => setEditing(p)}>
            Edit<span className="visually-hidden"> {p.name}</span>
          </button>
          <button
            type="button"
            className="button-small"
            onClick={() =>
              update.mutate({
                orgId: org.id,
                providerId: p.id,
                status: p.status === "disabled" ? "active" : "disabled",
              })
            }
          >
            {p.status === "disabled" ? "Enable" : "Disable"}
            <span className="visually-hidden"> {p.name}</span>
          </button>
          <button type="button" className="button-small button-danger" onClick={() => setDeleting(p)}>
            Delete<span className="visually-hidden"> {p.name}</span>
          </button>
        </div>
      ),
    });
  }
  return (
    <div className="page">
      <header className="page-header">
        <h1>Providers</h1>
        {manage && (
          <button type="button" className="button-primary" onClick={() => setAdding(true)}>
            Add provider
          </button>
        )}
      </header>
      <p className="muted">
        Bring your own keys: requests to your providers are served with your key and not charged to your
        credit.
      </p>
      {config.data?.byokEnabled === false && (
        <Alert kind="info">
          <p>Own providers are off on this installation: the operator has to set ENCRYPTION_KEY first.</p>
        </Alert>
      )}
      <TestResult result={test.data} />
      <MutationError error={test.error ?? update.error} />
      <QueryState query={providers} isEmpty={(rows) => rows.length === 0} empty="No own providers yet.">
        {(rows) => (
          <DataTable caption="Providers" hideCaption columns={columns} rows={rows} rowKey={(p) => p.id} />
        )}
      </QueryState>
      <ProviderDialog
        open={adding || Boolean(editing)}
        provider={editing}
        onClose={() => {
          setAdding(false);
          setEditing(undefined);
        }}
      />
      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete ${deleting?.name ?? ""}?`}
        confirmLabel="Delete"
        pending={remove.isPending}
        error={<MutationError error={remove.error} />}
        onConfirm={() => deleting && remove.mutate({ orgId: org.id, providerId: deleting.id })}
        onClose={() => {
          remove.reset();
          setDeleting(undefined);
        }}
      >
        <p>
          Its stored key is deleted; requests for its models fall back to the platform's providers, if any.
        </p>
      </ConfirmDialog>
    </div>
  );
}

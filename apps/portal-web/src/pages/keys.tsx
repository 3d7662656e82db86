// API keys: list with prefix, status, last use, spend and limits; create (shown once), edit,
// rotate, revoke.
import { formatUsd, type TApiKey, type TApiKeyStatus } from "@gw/contracts";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { type Column, DataTable } from "../components/data-table.tsx";
import { SelectField } from "../components/field.tsx";
import { QueryState } from "../components/query-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { formatCount, formatDateTime } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";
import { CreateKeyDialog, EditKeyDialog, RevokeKeyDialog, RotateKeyDialog } from "./key-dialogs.tsx";

/** Models shown in the list before the rest fold away. */
const SHOWN_MODELS = 3;

function AllowedModels({ models }: { models: string[] }) {
  if (models.length === 0) return null;
  if (models.length <= SHOWN_MODELS) {
    return <span className="cell-note allowed-models">Models: {models.join(", ")}</span>;
  }
  return (
    <details className="cell-note allowed-models">
      <summary>
        Models: {models.slice(0, SHOWN_MODELS - 1).join(", ")} and {models.length - SHOWN_MODELS + 1} more
      </summary>
      {models.join(", ")}
    </details>
  );
}

function Limits({ apiKey: key }: { apiKey: TApiKey }) {
  const parts = [
    key.rpmLimit ? `${formatCount(key.rpmLimit)} req/min` : "",
    key.tpmLimit ? `${formatCount(key.tpmLimit)} tok/min` : "",
    key.expiresAt ? `expires ${formatDateTime(key.expiresAt)}` : "",
  ].filter(Boolean);
  if (parts.length === 0 && key.allowedModels.length === 0) return "none";
  return (
    <>
      {parts.join(" · ")}
      <AllowedModels models={key.allowedModels} />
    </>
  );
}

type Action = { kind: "edit" | "rotate" | "revoke"; key: TApiKey };

export function KeysPage() {
  const org = useOrg();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(params.get("create") === "1");
  const [action, setAction] = useState<Action>();
  const [status, setStatus] = useState<TApiKeyStatus | "">("active");
  const keys = trpc.keys.list.useQuery({ orgId: org.id, ...(status ? { status } : {}) });
  const manage = org.can("keys:manage");
  const closeCreate = () => {
    setCreating(false);
    if (params.has("create")) setParams({}, { replace: true });
  };
  const columns: Column<TApiKey>[] = [
    {
      header: "Name",
      cell: (key) => (
        <>
          {key.name}
          {key.isTest && <span className="badge badge-neutral">test</span>}
        </>
      ),
    },
    { header: "Key", cell: (key) => <code>{key.prefix}…</code> },
    { header: "Project", cell: (key) => key.projectName },
    {
      header: "Status",
      cell: (key) => (
        <>
          <StatusBadge status={key.status} />
          {key.status === "active" && key.revokeAt && (
            <span className="cell-note">stops {formatDateTime(key.revokeAt)}</span>
          )}
        </>
      ),
    },
    { header: "Last used", cell: (key) => formatDateTime(key.lastUsedAt) },
    {
      header: "Spend",
      numeric: true,
      cell: (key) =>
        key.spendLimitMicros === null
          ? formatUsd(key.spentMicros)
          : `${formatUsd(key.spentMicros)} of ${formatUsd(key.spendLimitMicros)}`,
    },
    { header: "Limits", cell: (key) => <Limits apiKey={key} /> },
  ];
  if (manage) {
    columns.push({
      header: "Actions",
      cell: (key) =>
        key.status === "active" ? (
          <div className="row-actions">
            <button type="button" className="button-small" onClick={() => setAction({ kind: "edit", key })}>
              Edit<span className="visually-hidden"> {key.name}</span>
            </button>
            <button type="button" className="button-small" onClick={() => setAction({ kind: "rotate", key })}>
              Rotate<span className="visually-hidden"> {key.name}</span>
            </button>
            <button
              type="button"
              className="button-small button-danger"
              onClick={() => setAction({ kind: "revoke", key })}
            >
              Revoke<span className="visually-hidden"> {key.name}</span>
            </button>
          </div>
        ) : null,
    });
  }
  return (
    <div className="page">
      <header className="page-header">
        <h1>API keys</h1>
        {manage ? (
          <button type="button" className="button-primary" onClick={() => setCreating(true)}>
            Create key
          </button>
        ) : (
          <p className="muted">Your role ({org.role}) can see keys but not change them.</p>
        )}
      </header>
      <p className="muted">
        Keys call the OpenAI-compatible API. The full key is shown once, when it is created; lists show its
        prefix.
      </p>
      <div className="filters">
        <SelectField
          label="Status"
          value={status}
          onChange={(event) => setStatus(event.target.value as TApiKeyStatus | "")}
        >
          <option value="">All</option>
          <option value="active">Active</option>
          <option value="revoked">Revoked</option>
          <option value="expired">Expired</option>
        </SelectField>
      </div>
      <QueryState
        query={keys}
        isEmpty={(rows) => rows.length === 0}
        empty={
          <>
            <p>No {status ? `${status} ` : ""}keys yet.</p>
            {manage && (
              <button type="button" className="button-primary" onClick={() => setCreating(true)}>
                Create your first key
              </button>
            )}
          </>
        }
      >
        {(rows) => (
          <DataTable caption="API keys" hideCaption columns={columns} rows={rows} rowKey={(key) => key.id} />
        )}
      </QueryState>
      <CreateKeyDialog open={creating} onClose={closeCreate} />
      <EditKeyDialog
        apiKey={action?.kind === "edit" ? action.key : undefined}
        onClose={() => setAction(undefined)}
      />
      <RotateKeyDialog
        apiKey={action?.kind === "rotate" ? action.key : undefined}
        onClose={() => setAction(undefined)}
      />
      <RevokeKeyDialog
        apiKey={action?.kind === "revoke" ? action.key : undefined}
        onClose={() => setAction(undefined)}
      />
    </div>
  );
}

// Models: the catalog this organization can call, with prices per million tokens and availability.
import { formatUsd, type TCatalogModel } from "@gw/contracts";
import { useState } from "react";
import { type Column, DataTable } from "../components/data-table.tsx";
import { CheckboxField } from "../components/field.tsx";
import { QueryState } from "../components/query-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

function perMillion(micros: bigint | null | undefined, free: boolean): string {
  if (free) return "free";
  return micros === null || micros === undefined ? "—" : formatUsd(micros);
}

const columns: Column<TCatalogModel>[] = [
  {
    header: "Model",
    cell: (m) => (
      <>
        <code>{m.id}</code>
        {m.kind === "alias" && <span className="badge badge-neutral">alias</span>}
      </>
    ),
  },
  { header: "Served by", cell: (m) => m.targets.map((t) => `${t.provider}/${t.model}`).join(" → ") },
  { header: "Available", cell: (m) => <StatusBadge status={m.available ? "available" : "unavailable"} /> },
  { header: "Input / 1M", numeric: true, cell: (m) => perMillion(m.price?.input, m.free) },
  { header: "Output / 1M", numeric: true, cell: (m) => perMillion(m.price?.output, m.free) },
  { header: "Cached input / 1M", numeric: true, cell: (m) => perMillion(m.price?.cachedInput, m.free) },
  { header: "Cache write / 1M", numeric: true, cell: (m) => perMillion(m.price?.cacheWrite, m.free) },
];

export function ModelsPage() {
  const org = useOrg();
  const [onlyAvailable, setOnlyAvailable] = useState(true);
  const models = trpc.models.list.useQuery({ orgId: org.id });
  return (
    <div className="page">
      <header className="page-header">
        <h1>Models</h1>
      </header>
      <p className="muted">
        Send the id as <code>model</code>. Prices are per million tokens; aliases are priced by their first
        target.
      </p>
      <CheckboxField
        label="Only models that can be called now"
        checked={onlyAvailable}
        onChange={(event) => setOnlyAvailable(event.target.checked)}
      />
      <QueryState
        query={models}
        isEmpty={(rows) => !rows.some((m) => m.available || !onlyAvailable)}
        empty="No model is available. Providers are registered when their API key is set; see the README."
      >
        {(rows) => (
          <DataTable
            caption="Model catalog"
            hideCaption
            columns={columns}
            rows={rows.filter((m) => m.available || !onlyAvailable)}
            rowKey={(m) => m.id}
          />
        )}
      </QueryState>
    </div>
  );
}

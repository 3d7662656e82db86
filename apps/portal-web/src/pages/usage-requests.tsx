// The request log: one row per request, newest first, with filters and cursor pages.
import { type TUsageOutcome, type TUsageRequest, ZUsageOutcome } from "@gw/contracts";
import { useState } from "react";
import { type Column, DataTable } from "../components/data-table.tsx";
import { SelectField, TextField } from "../components/field.tsx";
import { Money } from "../components/money.tsx";
import { Pager, useCursorPages } from "../components/pager.tsx";
import { QueryState } from "../components/query-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { formatCount, formatDateTime } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

/** The API a request called, as its users know it. */
const ENDPOINT_LABELS: Record<string, string> = {
  "chat.completions": "Chat",
  completions: "Completions",
  embeddings: "Embeddings",
  responses: "Responses",
  messages: "Messages",
};
const endpointLabel = (endpoint: string) => ENDPOINT_LABELS[endpoint] ?? endpoint;

const columns: Column<TUsageRequest>[] = [
  { header: "Time", cell: (r) => formatDateTime(r.createdAt) },
  { header: "Key", cell: (r) => <code>{r.keyPrefix}…</code> },
  {
    header: "Endpoint",
    cell: (r) => (
      <>
        {endpointLabel(r.endpoint)}
        {r.stream && <span className="cell-note">stream</span>}
      </>
    ),
  },
  {
    header: "Model",
    cell: (r) => (
      <>
        {r.model ?? r.requestedModel}
        {r.provider && <span className="cell-note">{r.provider}</span>}
      </>
    ),
  },
  {
    header: "Outcome",
    cell: (r) => (
      <>
        <StatusBadge status={r.outcome} /> <span className="cell-note">{r.httpStatus}</span>
      </>
    ),
  },
  { header: "Input tokens", numeric: true, cell: (r) => formatCount(r.inputTokens) },
  { header: "Output tokens", numeric: true, cell: (r) => formatCount(r.outputTokens) },
  { header: "Cost", numeric: true, cell: (r) => <Money micros={r.costMicros} /> },
  { header: "Latency", numeric: true, cell: (r) => `${formatCount(r.latencyMs)} ms` },
  { header: "Request id", cell: (r) => <code className="small">{r.requestId}</code> },
];

export function RequestLog({ from, to }: { from: string; to: string }) {
  const org = useOrg();
  const keys = trpc.keys.list.useQuery({ orgId: org.id });
  const [model, setModel] = useState("");
  const [keyId, setKeyId] = useState("");
  const [outcome, setOutcome] = useState<TUsageOutcome | "">("");
  const pages = useCursorPages<string>();
  const cursor = pages.cursor;
  const requests = trpc.usage.requests.useQuery({
    orgId: org.id,
    from,
    to,
    limit: 50,
    ...(cursor ? { cursor } : {}),
    ...(model.trim() ? { model: model.trim() } : {}),
    ...(keyId ? { keyId } : {}),
    ...(outcome ? { outcome } : {}),
  });
  const resetPages = pages.reset;
  const utils = trpc.useUtils();
  return (
    <section aria-labelledby="log-heading">
      <header className="section-header">
        <h2 id="log-heading">Requests</h2>
        {/* Totals, charts and the log together: they are one picture of the same rows. */}
        <button type="button" className="button-secondary" onClick={() => utils.usage.invalidate()}>
          Refresh
        </button>
      </header>
      <div className="filters">
        <TextField
          label="Model"
          value={model}
          placeholder="any"
          onChange={(event) => {
            setModel(event.target.value);
            resetPages();
          }}
        />
        <SelectField
          label="Key"
          value={keyId}
          onChange={(event) => {
            setKeyId(event.target.value);
            resetPages();
          }}
        >
          <option value="">Any key</option>
          {keys.data?.map((key) => (
            <option key={key.id} value={key.id}>
              {key.name} ({key.prefix}…)
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Outcome"
          value={outcome}
          onChange={(event) => {
            setOutcome(event.target.value as TUsageOutcome | "");
            resetPages();
          }}
        >
          <option value="">Any outcome</option>
          {ZUsageOutcome.options.map((o) => (
            <option key={o} value={o}>
              {o.replaceAll("_", " ")}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState
        query={requests}
        isEmpty={(page) => page.items.length === 0}
        empty="No requests in this range. Requests appear here a few seconds after they finish."
      >
        {(page) => (
          <>
            <DataTable
              caption="Request log"
              hideCaption
              columns={columns}
              rows={page.items}
              rowKey={(r) => r.id}
            />
            <Pager pages={pages} nextCursor={page.nextCursor} previousLabel="Newer" nextLabel="Older" />
          </>
        )}
      </QueryState>
    </section>
  );
}

// The ledger (every credit change, newest first) and monthly statements.
import { formatUsd, type TLedgerItem, type TStatement } from "@gw/contracts";
import { type Column, DataTable } from "../components/data-table.tsx";
import { Money } from "../components/money.tsx";
import { Pager, useCursorPages } from "../components/pager.tsx";
import { QueryState } from "../components/query-state.tsx";
import { formatDateTime } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

const ledgerColumns: Column<TLedgerItem>[] = [
  { header: "When", cell: (e) => formatDateTime(e.createdAt) },
  { header: "Kind", cell: (e) => e.kind },
  { header: "Amount", numeric: true, cell: (e) => <Money micros={e.amountMicros} /> },
  { header: "Balance after", numeric: true, cell: (e) => <Money micros={e.balanceAfterMicros} /> },
  { header: "Note", cell: (e) => e.note ?? e.reference ?? "" },
  { header: "By", cell: (e) => e.actor?.email ?? "" },
];

export function LedgerTable() {
  const org = useOrg();
  const pages = useCursorPages<string>();
  const ledger = trpc.billing.ledger.useQuery({ orgId: org.id, cursor: pages.cursor ?? null, limit: 50 });
  return (
    <section aria-labelledby="ledger-heading">
      <h2 id="ledger-heading">Ledger</h2>
      <QueryState query={ledger} isEmpty={(page) => page.items.length === 0} empty="No credit changes yet.">
        {(page) => (
          <>
            <DataTable
              caption="Ledger"
              hideCaption
              columns={ledgerColumns}
              rows={page.items}
              rowKey={(e) => e.id}
            />
            <Pager pages={pages} nextCursor={page.nextCursor} previousLabel="Newer" nextLabel="Older" />
          </>
        )}
      </QueryState>
    </section>
  );
}

function breakdown(items: { label: string; costMicros: bigint; requests: number }[]): string {
  return items.map((i) => `${i.label}: ${formatUsd(i.costMicros)} (${i.requests})`).join(", ") || "—";
}

const statementColumns: Column<TStatement>[] = [
  { header: "Month", cell: (s) => s.month },
  { header: "Usage", numeric: true, cell: (s) => <Money micros={s.totalMicros} /> },
  { header: "Credits added", numeric: true, cell: (s) => <Money micros={s.credits} /> },
  {
    header: "By model",
    cell: (s) => breakdown(s.byModel.map((m) => ({ ...m, label: `${m.provider}/${m.model}` }))),
  },
  { header: "By project", cell: (s) => breakdown(s.byProject.map((p) => ({ ...p, label: p.projectName }))) },
];

export function StatementsTable() {
  const org = useOrg();
  const statements = trpc.billing.statements.useQuery({ orgId: org.id, months: 12 });
  return (
    <section aria-labelledby="statements-heading">
      <h2 id="statements-heading">Monthly statements</h2>
      <QueryState query={statements} isEmpty={(rows) => rows.length === 0} empty="No statements yet.">
        {(rows) => (
          <DataTable
            caption="Monthly statements"
            hideCaption
            columns={statementColumns}
            rows={rows}
            rowKey={(s) => s.month}
          />
        )}
      </QueryState>
    </section>
  );
}

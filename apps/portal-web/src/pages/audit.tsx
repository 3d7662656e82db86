// Audit log: who changed what, newest first.
import type { TAuditItem } from "@gw/contracts";
import { type Column, DataTable } from "../components/data-table.tsx";
import { Pager, useCursorPages } from "../components/pager.tsx";
import { QueryState } from "../components/query-state.tsx";
import { formatDateTime } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

const columns: Column<TAuditItem>[] = [
  { header: "When", cell: (a) => formatDateTime(a.createdAt) },
  { header: "Action", cell: (a) => <code>{a.action}</code> },
  { header: "By", cell: (a) => a.actor?.email ?? a.actorType },
  { header: "Target", cell: (a) => `${a.targetType}${a.targetId ? ` ${a.targetId}` : ""}` },
  {
    header: "Details",
    cell: (a) => (a.metadata === null ? "" : <code className="small">{JSON.stringify(a.metadata)}</code>),
  },
];

export function AuditPage() {
  const org = useOrg();
  const pages = useCursorPages<bigint>();
  const audit = trpc.audit.list.useQuery(
    { orgId: org.id, cursor: pages.cursor ?? null, limit: 50 },
    { enabled: org.can("audit:read") },
  );
  return (
    <div className="page">
      <header className="page-header">
        <h1>Audit log</h1>
      </header>
      {org.can("audit:read") ? (
        <QueryState query={audit} isEmpty={(page) => page.items.length === 0} empty="Nothing recorded yet.">
          {(page) => (
            <>
              <DataTable
                caption="Audit log"
                hideCaption
                columns={columns}
                rows={page.items}
                rowKey={(a) => a.id.toString()}
              />
              <Pager pages={pages} nextCursor={page.nextCursor} previousLabel="Newer" nextLabel="Older" />
            </>
          )}
        </QueryState>
      ) : (
        <p>Only owners and admins can read the audit log.</p>
      )}
    </div>
  );
}

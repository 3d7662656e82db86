// Members: who is in the organization and with which role; pending invitations; invite, change
// roles, remove, leave. Controls show only for roles that may use them.
import type { TInvitation, TMember, TMemberRole } from "@gw/contracts";
import { useState } from "react";
import { useNavigate } from "react-router";
import { type Column, DataTable } from "../components/data-table.tsx";
import { ConfirmDialog } from "../components/dialog.tsx";
import { ErrorState, MutationError, QueryState } from "../components/query-state.tsx";
import { formatDate, formatDateTime } from "../lib/format.ts";
import { useOrg, useUser } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";
import { assignableRoles, InviteDialog } from "./members-invite.tsx";

function RoleSelect({ member }: { member: TMember }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const change = trpc.members.changeRole.useMutation({ onSettled: () => utils.members.list.invalidate() });
  const roles = assignableRoles(org.role);
  const locked = member.role === "owner" && org.role !== "owner";
  return (
    <>
      <label className="visually-hidden" htmlFor={`role-${member.userId}`}>
        Role of {member.email}
      </label>
      <select
        id={`role-${member.userId}`}
        value={member.role}
        disabled={locked || change.isPending}
        onChange={(event) =>
          change.mutate({ orgId: org.id, userId: member.userId, role: event.target.value as TMemberRole })
        }
      >
        {(locked ? [member.role] : roles).map((role) => (
          <option key={role} value={role}>
            {role}
          </option>
        ))}
      </select>
      {change.error && <ErrorState error={change.error} />}
    </>
  );
}

export function MembersPage() {
  const org = useOrg();
  const me = useUser();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const members = trpc.members.list.useQuery({ orgId: org.id });
  const invitations = trpc.members.invitations.useQuery({ orgId: org.id });
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<TMember>();
  const [leaving, setLeaving] = useState(false);
  const remove = trpc.members.remove.useMutation({
    onSuccess: async () => {
      await utils.members.list.invalidate();
      setRemoving(undefined);
    },
  });
  const revoke = trpc.members.revokeInvitation.useMutation({
    onSuccess: () => utils.members.invitations.invalidate(),
  });
  const leave = trpc.members.leave.useMutation({
    onSuccess: async () => {
      await utils.orgs.list.invalidate();
      navigate("/");
    },
  });
  const manage = org.can("members:manage");
  const memberColumns: Column<TMember>[] = [
    { header: "Member", cell: (m) => (m.name ? `${m.name} (${m.email})` : m.email) },
    { header: "Role", cell: (m) => (manage && m.userId !== me.id ? <RoleSelect member={m} /> : m.role) },
    { header: "Joined", cell: (m) => formatDate(m.joinedAt) },
  ];
  if (manage) {
    memberColumns.push({
      header: "Actions",
      cell: (m) =>
        m.userId !== me.id && (m.role !== "owner" || org.role === "owner") ? (
          <button type="button" className="button-small button-danger" onClick={() => setRemoving(m)}>
            Remove<span className="visually-hidden"> {m.email}</span>
          </button>
        ) : null,
    });
  }
  const invitationColumns: Column<TInvitation>[] = [
    { header: "Email", cell: (i) => i.email },
    { header: "Role", cell: (i) => i.role },
    { header: "Invited by", cell: (i) => i.invitedBy?.email ?? "" },
    { header: "Expires", cell: (i) => formatDateTime(i.expiresAt) },
  ];
  if (org.can("members:invite")) {
    invitationColumns.push({
      header: "Actions",
      cell: (i) => (
        <button
          type="button"
          className="button-small"
          disabled={revoke.isPending}
          onClick={() => revoke.mutate({ orgId: org.id, invitationId: i.id })}
        >
          Revoke<span className="visually-hidden"> invitation for {i.email}</span>
        </button>
      ),
    });
  }
  return (
    <div className="page">
      <header className="page-header">
        <h1>Members</h1>
        <div className="row-actions">
          {org.can("members:invite") && (
            <button type="button" className="button-primary" onClick={() => setInviting(true)}>
              Invite member
            </button>
          )}
          <button type="button" className="button-secondary" onClick={() => setLeaving(true)}>
            Leave organization
          </button>
        </div>
      </header>
      <QueryState query={members} isEmpty={(rows) => rows.length === 0} empty="No members.">
        {(rows) => (
          <DataTable
            caption="Members"
            hideCaption
            columns={memberColumns}
            rows={rows}
            rowKey={(m) => m.userId}
          />
        )}
      </QueryState>
      <section aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">Pending invitations</h2>
        <MutationError error={revoke.error} />
        <QueryState query={invitations} isEmpty={(rows) => rows.length === 0} empty="No pending invitations.">
          {(rows) => (
            <DataTable
              caption="Pending invitations"
              hideCaption
              columns={invitationColumns}
              rows={rows}
              rowKey={(i) => i.id}
            />
          )}
        </QueryState>
      </section>
      <InviteDialog open={inviting} onClose={() => setInviting(false)} />
      <ConfirmDialog
        open={Boolean(removing)}
        title={`Remove ${removing?.email ?? ""}?`}
        confirmLabel="Remove"
        pending={remove.isPending}
        error={<MutationError error={remove.error} />}
        onConfirm={() => removing && remove.mutate({ orgId: org.id, userId: removing.userId })}
        onClose={() => {
          remove.reset();
          setRemoving(undefined);
        }}
      >
        <p>They lose access to this organization at once. Keys they created keep working until revoked.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={leaving}
        title={`Leave ${org.name}?`}
        confirmLabel="Leave"
        pending={leave.isPending}
        error={<MutationError error={leave.error} />}
        onConfirm={() => leave.mutate({ orgId: org.id })}
        onClose={() => {
          leave.reset();
          setLeaving(false);
        }}
      >
        <p>You will need a new invitation to come back.</p>
      </ConfirmDialog>
    </div>
  );
}

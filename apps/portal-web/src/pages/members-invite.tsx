// Invite someone by email; when mail is off, the one-time link is shown to pass on by hand.
import { type TInviteResult, type TMemberRole, ZEmail, ZMemberRole } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { CopyButton } from "../components/copy-button.tsx";
import { Dialog } from "../components/dialog.tsx";
import { FormActions, SelectField, TextField } from "../components/field.tsx";
import { Alert, MutationError } from "../components/query-state.tsx";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

const ZInviteForm = z.object({ email: ZEmail, role: ZMemberRole });

/** Roles the caller may hand out: only an owner makes owners. */
export function assignableRoles(callerRole: TMemberRole): TMemberRole[] {
  return ZMemberRole.options.filter((role) => role !== "owner" || callerRole === "owner");
}

export function InviteDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const [sent, setSent] = useState<TInviteResult & { email: string }>();
  const form = useForm({
    resolver: zodResolver(ZInviteForm),
    defaultValues: { email: "", role: "member" as const },
  });
  const invite = trpc.members.invite.useMutation({
    onSuccess: (result, input) => {
      setSent({ ...result, email: input.email });
      void utils.members.invitations.invalidate();
    },
  });
  const close = () => {
    setSent(undefined);
    invite.reset();
    form.reset();
    onClose();
  };
  return (
    <Dialog open={open} title="Invite a member" onClose={close}>
      {sent ? (
        <>
          <Alert kind="success">
            <p>
              {sent.mailed
                ? `An invitation is on its way to ${sent.email}.`
                : `Invitation made for ${sent.email}. This installation sends no mail: pass the link on yourself. It works once.`}
            </p>
          </Alert>
          <label htmlFor="invite-url">Invitation link</label>
          <div className="key-box">
            <input id="invite-url" readOnly value={sent.inviteUrl} className="mono" />
            <CopyButton text={sent.inviteUrl} label="Copy link" />
          </div>
          <div className="actions">
            <button type="button" className="button-primary" onClick={close}>
              Done
            </button>
          </div>
        </>
      ) : (
        <form
          noValidate
          onSubmit={form.handleSubmit((values) => invite.mutate({ orgId: org.id, ...values }))}
        >
          <TextField
            label="Email"
            type="email"
            error={form.formState.errors.email?.message}
            {...form.register("email")}
          />
          <SelectField label="Role" error={form.formState.errors.role?.message} {...form.register("role")}>
            {assignableRoles(org.role).map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </SelectField>
          <MutationError error={invite.error} />
          <FormActions
            onCancel={close}
            pending={invite.isPending}
            label="Send invitation"
            pendingLabel="Inviting…"
          />
        </form>
      )}
    </Dialog>
  );
}

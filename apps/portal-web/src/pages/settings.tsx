// Settings: the organization's name, deleting it, and the signed-in account's password.
import { ZChangePasswordInput, ZOrgName } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useNavigate } from "react-router";
import { z } from "zod";
import { ConfirmDialog } from "../components/dialog.tsx";
import { FormActions, TextField } from "../components/field.tsx";
import { Alert, MutationError } from "../components/query-state.tsx";
import { useOrg, useUser } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

function RenameOrg() {
  const org = useOrg();
  const utils = trpc.useUtils();
  const form = useForm({ resolver: zodResolver(z.object({ name: ZOrgName })), values: { name: org.name } });
  const rename = trpc.orgs.rename.useMutation({ onSuccess: () => utils.orgs.invalidate() });
  return (
    <section className="card" aria-labelledby="org-heading">
      <h2 id="org-heading">Organization</h2>
      <p>
        Slug: <code>{org.slug}</code> · your role: {org.role}
      </p>
      <form noValidate onSubmit={form.handleSubmit((values) => rename.mutate({ orgId: org.id, ...values }))}>
        <TextField
          label="Name"
          disabled={!org.can("org:update")}
          error={form.formState.errors.name?.message}
          {...form.register("name")}
        />
        <MutationError error={rename.error} />
        {rename.isSuccess && <Alert kind="success">Renamed.</Alert>}
        {org.can("org:update") && <FormActions pending={rename.isPending} label="Save name" />}
      </form>
    </section>
  );
}

function DeleteOrg() {
  const org = useOrg();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const [confirming, setConfirming] = useState(false);
  const remove = trpc.orgs.delete.useMutation({
    onSuccess: async () => {
      await utils.orgs.list.invalidate();
      navigate("/");
    },
  });
  if (!org.can("org:delete")) return null;
  return (
    <section className="card" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete organization</h2>
      <p>Only possible once it holds no credit and has no working keys.</p>
      <button type="button" className="button-danger" onClick={() => setConfirming(true)}>
        Delete {org.name}
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${org.name}?`}
        confirmLabel="Delete organization"
        pending={remove.isPending}
        error={<MutationError error={remove.error} />}
        onConfirm={() => remove.mutate({ orgId: org.id })}
        onClose={() => {
          remove.reset();
          setConfirming(false);
        }}
      >
        <p>Members lose access and this cannot be undone.</p>
      </ConfirmDialog>
    </section>
  );
}

function ChangePassword() {
  const user = useUser();
  const form = useForm({
    resolver: zodResolver(ZChangePasswordInput),
    defaultValues: { currentPassword: "", newPassword: "" },
  });
  const change = trpc.auth.changePassword.useMutation({ onSuccess: () => form.reset() });
  const errors = form.formState.errors;
  return (
    <section className="card" aria-labelledby="account-heading">
      <h2 id="account-heading">Your account</h2>
      <p>Signed in as {user.email}.</p>
      <form noValidate onSubmit={form.handleSubmit((values) => change.mutate(values))}>
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          error={errors.currentPassword?.message}
          {...form.register("currentPassword")}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters. Your other sessions are signed out."
          error={errors.newPassword?.message}
          {...form.register("newPassword")}
        />
        <MutationError error={change.error} />
        {change.isSuccess && <Alert kind="success">Password changed.</Alert>}
        <FormActions pending={change.isPending} label="Change password" />
      </form>
    </section>
  );
}

export function SettingsPage() {
  return (
    <div className="page">
      <header className="page-header">
        <h1>Settings</h1>
      </header>
      <div className="grid-2">
        <RenameOrg />
        <ChangePassword />
        <DeleteOrg />
      </div>
    </div>
  );
}

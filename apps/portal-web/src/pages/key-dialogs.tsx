// Create, edit, rotate and revoke dialogs of the API keys page.
import type { TApiKey, TNewKey, TProject } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { FormProvider, useForm } from "react-hook-form";
import { Link } from "react-router";
import { z } from "zod";
import { CopyButton } from "../components/copy-button.tsx";
import { ConfirmDialog, Dialog } from "../components/dialog.tsx";
import { CheckboxField, FormActions, SelectField } from "../components/field.tsx";
import { Alert, MutationError, QueryState } from "../components/query-state.tsx";
import { dateInputValue, usdInputValue } from "../lib/form-schemas.ts";
import { formatDateTime } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { rememberSessionKey } from "../lib/session-key.ts";
import { trpc } from "../lib/trpc.ts";
import {
  formError,
  KeyLimitFields,
  keyLimitsInput,
  showServerFieldErrors,
  ZKeyLimitsForm,
} from "./key-form.tsx";

const ZCreateKeyForm = ZKeyLimitsForm.extend({
  projectId: z.string().min(1, "choose a project"),
  isTest: z.boolean(),
});

/** The new key, once: copy it now, it is never shown again. */
export function NewKeyReveal(props: { created: TNewKey; onDone: () => void; note?: string }) {
  const org = useOrg();
  return (
    <div className="key-reveal">
      <Alert kind="warning">
        <p>
          <strong>Copy this key now.</strong> It is shown only this once; the gateway keeps only its hash. If
          you lose it, rotate or create another.
        </p>
      </Alert>
      {props.note && <p>{props.note}</p>}
      <label htmlFor="new-api-key">Your new API key</label>
      <div className="key-box">
        <input
          id="new-api-key"
          readOnly
          value={props.created.key}
          className="mono"
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={props.created.key} label="Copy key" />
      </div>
      <div className="actions">
        <Link className="button-secondary" to={`/o/${org.slug}/playground`}>
          Try it in the playground
        </Link>
        <button type="button" className="button-primary" onClick={props.onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}

export function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const org = useOrg();
  const projects = trpc.projects.list.useQuery({ orgId: org.id }, { enabled: open });
  const [created, setCreated] = useState<TNewKey>();
  const close = () => {
    setCreated(undefined);
    onClose();
  };
  return (
    <Dialog open={open} title={created ? "Key created" : "Create an API key"} onClose={close} wide>
      {created ? (
        <NewKeyReveal created={created} onDone={close} />
      ) : (
        <QueryState
          query={projects}
          isEmpty={(list) => list.length === 0}
          empty={
            <p>
              Keys belong to a project, and this organization has none.{" "}
              <Link to={`/o/${org.slug}/projects`}>Create a project</Link> first.
            </p>
          }
        >
          {(list) => <CreateKeyForm projects={list} onCreated={setCreated} onCancel={close} />}
        </QueryState>
      )}
    </Dialog>
  );
}

function CreateKeyForm(props: {
  projects: TProject[];
  onCreated: (key: TNewKey) => void;
  onCancel: () => void;
}) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const form = useForm({
    resolver: zodResolver(ZCreateKeyForm),
    defaultValues: {
      name: "",
      projectId: props.projects[0]?.id ?? "",
      rpmLimit: "",
      tpmLimit: "",
      spendLimit: "",
      expiresAt: "",
      allowedModels: [],
      isTest: false,
    },
  });
  const create = trpc.keys.create.useMutation({
    onSuccess: (key, input) => {
      rememberSessionKey({ orgId: org.id, name: input.name, prefix: key.prefix, key: key.key });
      void utils.keys.list.invalidate();
      props.onCreated(key);
    },
    onError: (error) => showServerFieldErrors(form.setError, error),
  });
  return (
    <FormProvider {...form}>
      <form
        noValidate
        onSubmit={form.handleSubmit((values) =>
          create.mutate({
            orgId: org.id,
            projectId: values.projectId,
            ...keyLimitsInput(values),
            isTest: values.isTest,
          }),
        )}
      >
        <SelectField
          label="Project"
          error={form.formState.errors.projectId?.message}
          {...form.register("projectId")}
        >
          {props.projects.map((project) => (
            <option key={project.id} value={project.id}>
              {project.name}
            </option>
          ))}
        </SelectField>
        <KeyLimitFields />
        <CheckboxField
          label="Test key"
          hint='Starts with "sk-test-"; for CI and staging.'
          {...form.register("isTest")}
        />
        <MutationError error={formError(create.error)} />
        <FormActions
          onCancel={props.onCancel}
          pending={create.isPending}
          label="Create key"
          pendingLabel="Creating…"
        />
      </form>
    </FormProvider>
  );
}

export function EditKeyDialog({ apiKey, onClose }: { apiKey: TApiKey | undefined; onClose: () => void }) {
  return (
    <Dialog open={Boolean(apiKey)} title={`Edit ${apiKey?.name ?? "key"}`} onClose={onClose} wide>
      {apiKey && <EditKeyForm apiKey={apiKey} onClose={onClose} />}
    </Dialog>
  );
}

function EditKeyForm({ apiKey, onClose }: { apiKey: TApiKey; onClose: () => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const form = useForm({
    resolver: zodResolver(ZKeyLimitsForm),
    defaultValues: {
      name: apiKey.name,
      rpmLimit: apiKey.rpmLimit?.toString() ?? "",
      tpmLimit: apiKey.tpmLimit?.toString() ?? "",
      spendLimit: usdInputValue(apiKey.spendLimitMicros),
      expiresAt: dateInputValue(apiKey.expiresAt),
      allowedModels: apiKey.allowedModels,
    },
  });
  const update = trpc.keys.update.useMutation({
    onSuccess: async () => {
      await utils.keys.list.invalidate();
      onClose();
    },
    onError: (error) => showServerFieldErrors(form.setError, error),
  });
  return (
    <FormProvider {...form}>
      <form
        noValidate
        onSubmit={form.handleSubmit((values) =>
          update.mutate({
            orgId: org.id,
            keyId: apiKey.id,
            ...keyLimitsInput(values),
          }),
        )}
      >
        <KeyLimitFields />
        <MutationError error={formError(update.error)} />
        <FormActions onCancel={onClose} pending={update.isPending} label="Save" />
      </form>
    </FormProvider>
  );
}

const graceOptions = [
  { seconds: 0, label: "Stop the old key now" },
  { seconds: 3600, label: "Keep the old key working for 1 hour" },
  { seconds: 86_400, label: "Keep the old key working for 24 hours" },
  { seconds: 604_800, label: "Keep the old key working for 7 days" },
];

export function RotateKeyDialog({ apiKey, onClose }: { apiKey: TApiKey | undefined; onClose: () => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const [grace, setGrace] = useState(3600);
  const rotate = trpc.keys.rotate.useMutation({
    onSuccess: (key) => {
      if (apiKey) rememberSessionKey({ orgId: org.id, name: apiKey.name, prefix: key.prefix, key: key.key });
      void utils.keys.list.invalidate();
    },
  });
  const close = () => {
    rotate.reset();
    onClose();
  };
  return (
    <Dialog open={Boolean(apiKey)} title={`Rotate ${apiKey?.name ?? "key"}`} onClose={close} wide>
      {rotate.data ? (
        <NewKeyReveal
          created={rotate.data}
          onDone={close}
          note={`The old key stops working ${formatDateTime(rotate.data.oldKeyRevokeAt)}.`}
        />
      ) : (
        <>
          <p>
            A new key with the same limits replaces <code>{apiKey?.prefix}</code>. Deploy the new key before
            the old one stops working.
          </p>
          <SelectField
            label="Old key"
            value={grace}
            onChange={(event) => setGrace(Number(event.target.value))}
          >
            {graceOptions.map((option) => (
              <option key={option.seconds} value={option.seconds}>
                {option.label}
              </option>
            ))}
          </SelectField>
          <MutationError error={rotate.error} />
          <div className="actions">
            <button type="button" className="button-secondary" onClick={close}>
              Cancel
            </button>
            <button
              type="button"
              className="button-primary"
              disabled={rotate.isPending}
              onClick={() =>
                apiKey && rotate.mutate({ orgId: org.id, keyId: apiKey.id, gracePeriodSeconds: grace })
              }
            >
              {rotate.isPending ? "Rotating…" : "Rotate key"}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

export function RevokeKeyDialog({ apiKey, onClose }: { apiKey: TApiKey | undefined; onClose: () => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const revoke = trpc.keys.revoke.useMutation({
    onSuccess: async () => {
      await utils.keys.list.invalidate();
      revoke.reset();
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open={Boolean(apiKey)}
      title={`Revoke ${apiKey?.name ?? "key"}?`}
      confirmLabel="Revoke key"
      pending={revoke.isPending}
      error={<MutationError error={revoke.error} />}
      onConfirm={() => apiKey && revoke.mutate({ orgId: org.id, keyId: apiKey.id })}
      onClose={() => {
        revoke.reset();
        onClose();
      }}
    >
      <p>
        Requests with <code>{apiKey?.prefix}…</code> are refused from now on, on every gateway. This cannot be
        undone.
      </p>
    </ConfirmDialog>
  );
}

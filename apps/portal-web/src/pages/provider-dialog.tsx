// Add (or edit) an own provider: test the connection, then save. The key is write-only.
import {
  checkProviderBaseUrl,
  providerKinds,
  type TProvider,
  type TProviderTestResult,
  ZProviderApiKey,
  ZProviderBaseUrl,
  ZProviderKind,
  ZProviderName,
} from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Dialog } from "../components/dialog.tsx";
import { FormActions, SelectField, TextAreaField, TextField } from "../components/field.tsx";
import { Alert, MutationError } from "../components/query-state.tsx";
import { modelList } from "../lib/form-schemas.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

const blankToUndefined = <T extends z.ZodType>(schema: T) =>
  z
    .literal("")
    .transform(() => undefined)
    .or(schema);

const ZProviderForm = z
  .object({
    name: ZProviderName,
    kind: ZProviderKind,
    baseUrl: blankToUndefined(ZProviderBaseUrl),
    /** Required for a new provider; blank when editing keeps the stored key. */
    apiKey: blankToUndefined(ZProviderApiKey),
    models: modelList,
  })
  .superRefine(checkProviderBaseUrl);

export function TestResult({ result }: { result: TProviderTestResult | undefined }) {
  if (!result) return null;
  return result.ok ? (
    <Alert kind="success">
      <p>
        Connected in {result.latencyMs} ms.{" "}
        {result.models.length
          ? `It offers ${result.models.slice(0, 12).join(", ")}${result.models.length > 12 ? ", …" : ""}.`
          : ""}
      </p>
    </Alert>
  ) : (
    <Alert kind="error">
      <p>The connection failed: {result.error}</p>
    </Alert>
  );
}

export function ProviderDialog(props: {
  open: boolean;
  provider?: TProvider | undefined;
  onClose: () => void;
}) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const editing = props.provider;
  const form = useForm({
    resolver: zodResolver(ZProviderForm),
    values: {
      name: editing?.name ?? "",
      kind: editing?.kind ?? "openai_compatible",
      baseUrl: editing?.baseUrl ?? "",
      apiKey: "",
      models: editing?.models.join(", ") ?? "",
    },
  });
  const close = () => {
    save.reset();
    testNew.reset();
    props.onClose();
  };
  const onSaved = {
    onSuccess: async () => {
      await utils.providers.list.invalidate();
      close();
    },
  };
  const create = trpc.providers.create.useMutation(onSaved);
  const update = trpc.providers.update.useMutation(onSaved);
  const save = editing ? update : create;
  const testNew = trpc.providers.testNew.useMutation();
  const test = () =>
    form.handleSubmit((v) => {
      if (!v.apiKey) {
        form.setError("apiKey", { message: "enter the key to test it" });
        return;
      }
      testNew.mutate({
        orgId: org.id,
        kind: v.kind,
        apiKey: v.apiKey,
        ...(v.baseUrl ? { baseUrl: v.baseUrl } : {}),
      });
    })();
  const submit = form.handleSubmit((v) => {
    if (editing) {
      update.mutate({
        orgId: org.id,
        providerId: editing.id,
        name: v.name,
        baseUrl: v.baseUrl ?? null,
        models: v.models,
        ...(v.apiKey ? { apiKey: v.apiKey } : {}),
      });
    } else if (!v.apiKey) {
      form.setError("apiKey", { message: "enter the provider's API key" });
    } else {
      create.mutate({
        orgId: org.id,
        name: v.name,
        kind: v.kind,
        apiKey: v.apiKey,
        models: v.models,
        ...(v.baseUrl ? { baseUrl: v.baseUrl } : {}),
      });
    }
  });
  const errors = form.formState.errors;
  const kind = providerKinds[form.watch("kind")];
  return (
    <Dialog
      open={props.open}
      title={editing ? `Edit ${editing.name}` : "Add a provider"}
      onClose={close}
      wide
    >
      <form noValidate onSubmit={submit}>
        <TextField
          label="Name"
          hint={
            <>
              Models are called as <code>name/model</code>.
            </>
          }
          error={errors.name?.message}
          {...form.register("name")}
        />
        <SelectField
          label="Kind"
          disabled={Boolean(editing)}
          error={errors.kind?.message}
          {...form.register("kind")}
        >
          {Object.entries(providerKinds).map(([value, info]) => (
            <option key={value} value={value}>
              {info.examples ? `${info.label} (${info.examples})` : info.label}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Base URL"
          placeholder={kind.defaultBaseUrl ?? "https://api.example.com/v1"}
          hint={
            kind.defaultBaseUrl
              ? `Blank uses the official API, ${kind.defaultBaseUrl}.`
              : `Required for ${kind.label} hosts.`
          }
          error={errors.baseUrl?.message}
          {...form.register("baseUrl")}
        />
        <TextField
          label="API key"
          type="password"
          autoComplete="off"
          hint={
            editing
              ? `Stored key ends in ${editing.keyLast4}. Blank keeps it.`
              : "Stored encrypted; never shown again."
          }
          error={errors.apiKey?.message}
          {...form.register("apiKey")}
        />
        <TextAreaField
          label="Models"
          rows={2}
          hint="Model ids this provider serves for you, separated by commas or new lines."
          error={errors.models?.message}
          {...form.register("models")}
        />
        <TestResult result={testNew.data} />
        <MutationError error={testNew.error ?? save.error} />
        <div className="actions">
          <button type="button" className="button-secondary" disabled={testNew.isPending} onClick={test}>
            {testNew.isPending ? "Testing…" : "Test connection"}
          </button>
        </div>
        <FormActions onCancel={close} pending={save.isPending} label={editing ? "Save" : "Add provider"} />
      </form>
    </Dialog>
  );
}

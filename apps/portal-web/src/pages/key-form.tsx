// The fields a key's create and edit dialogs share: name, limits, allowed models, expiry.
import { ZAllowedModels, ZKeyName } from "@gw/contracts";
import { useController, useFormContext } from "react-hook-form";
import { z } from "zod";
import { TextField } from "../components/field.tsx";
import { fieldError } from "../lib/errors.ts";
import { optionalFutureDate, optionalPositiveInt, optionalUsd } from "../lib/form-schemas.ts";
import { AllowedModelsField } from "./key-models-field.tsx";

export const ZKeyLimitsForm = z.object({
  name: ZKeyName,
  rpmLimit: optionalPositiveInt,
  tpmLimit: optionalPositiveInt,
  spendLimit: optionalUsd,
  expiresAt: optionalFutureDate,
  allowedModels: ZAllowedModels,
});

export type TKeyLimitsFormInput = z.input<typeof ZKeyLimitsForm>;

/** The form's values as the fields of keys.create / keys.update. */
export function keyLimitsInput(values: z.output<typeof ZKeyLimitsForm>) {
  return {
    name: values.name,
    rpmLimit: values.rpmLimit,
    tpmLimit: values.tpmLimit,
    spendLimitMicros: values.spendLimit,
    expiresAt: values.expiresAt,
    allowedModels: values.allowedModels,
  };
}

/** The list's own error, or the first of its entries' (an id too long). */
function firstMessage(error: unknown): string | undefined {
  const list = error as ({ message?: string } | undefined)[] & { message?: string };
  if (!list) return undefined;
  return list.message ?? (Array.isArray(list) ? list.find((entry) => entry?.message)?.message : undefined);
}

/** What the form shows above its buttons: a server error, unless it is shown under its field. */
export function formError(error: unknown): unknown {
  return fieldError(error, "allowedModels") ? null : error;
}

/** Shows the server's refusal of the allowed models (an id that names no model) under that field. */
export function showServerFieldErrors(
  setError: (name: "allowedModels", error: { message: string }, options: { shouldFocus: boolean }) => void,
  error: unknown,
) {
  const message = fieldError(error, "allowedModels");
  if (message) setError("allowedModels", { message }, { shouldFocus: true });
}

/** Inside a FormProvider whose form includes these fields. */
export function KeyLimitFields() {
  const { register, formState, control } = useFormContext<TKeyLimitsFormInput>();
  const models = useController({ control, name: "allowedModels" });
  const errors = formState.errors;
  return (
    <>
      <TextField label="Name" error={errors.name?.message} {...register("name")} />
      <div className="field-row">
        <TextField
          label="Requests per minute"
          inputMode="numeric"
          hint="Blank: no limit."
          error={errors.rpmLimit?.message}
          {...register("rpmLimit")}
        />
        <TextField
          label="Tokens per minute"
          inputMode="numeric"
          hint="Blank: no limit."
          error={errors.tpmLimit?.message}
          {...register("tpmLimit")}
        />
      </div>
      <div className="field-row">
        <TextField
          label="Spend limit (USD)"
          inputMode="decimal"
          hint="Total this key may spend. Blank: no limit."
          error={errors.spendLimit?.message}
          {...register("spendLimit")}
        />
        <TextField
          label="Expires on"
          type="date"
          hint="Blank: never."
          error={errors.expiresAt?.message}
          {...register("expiresAt")}
        />
      </div>
      <AllowedModelsField
        value={models.field.value}
        onChange={models.field.onChange}
        inputRef={models.field.ref}
        error={firstMessage(errors.allowedModels)}
      />
    </>
  );
}

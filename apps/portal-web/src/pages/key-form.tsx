// The fields a key's create and edit dialogs share: name, limits, allowed models, expiry.
import { ZKeyName } from "@gw/contracts";
import { useFormContext } from "react-hook-form";
import { z } from "zod";
import { TextAreaField, TextField } from "../components/field.tsx";
import { modelList, optionalFutureDate, optionalPositiveInt, optionalUsd } from "../lib/form-schemas.ts";

export const ZKeyLimitsForm = z.object({
  name: ZKeyName,
  rpmLimit: optionalPositiveInt,
  tpmLimit: optionalPositiveInt,
  spendLimit: optionalUsd,
  expiresAt: optionalFutureDate,
  allowedModels: modelList,
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

/** Inside a FormProvider whose form includes these fields. */
export function KeyLimitFields() {
  const { register, formState } = useFormContext<TKeyLimitsFormInput>();
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
      <TextAreaField
        label="Allowed models"
        rows={2}
        hint="Model ids or aliases, separated by commas or new lines. Blank: every model."
        error={errors.allowedModels?.message}
        {...register("allowedModels")}
      />
    </>
  );
}

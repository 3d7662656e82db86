// Form fields with a visible label, hint and error text tied to the control for screen readers.
import { type ComponentProps, type ReactNode, useId } from "react";

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
}

interface ControlProps {
  id: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

/** Label, control, hint and error, wired together by ids. */
function Field(props: FieldProps & { checkbox?: boolean; control: (control: ControlProps) => ReactNode }) {
  const id = useId();
  const described = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  const control = props.control({
    id,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": described || undefined,
  });
  const label = <label htmlFor={id}>{props.label}</label>;
  return (
    <div className={props.checkbox ? "field field-checkbox" : "field"}>
      {props.checkbox ? control : label}
      {props.checkbox ? label : control}
      {props.hint && (
        <span id={`${id}-hint`} className="field-hint">
          {props.hint}
        </span>
      )}
      {props.error && (
        <span id={`${id}-error`} className="field-error">
          {props.error}
        </span>
      )}
    </div>
  );
}

export function TextField({ label, error, hint, ...input }: FieldProps & ComponentProps<"input">) {
  return (
    <Field label={label} error={error} hint={hint} control={(control) => <input {...control} {...input} />} />
  );
}

export function TextAreaField({ label, error, hint, ...input }: FieldProps & ComponentProps<"textarea">) {
  return (
    <Field
      label={label}
      error={error}
      hint={hint}
      control={(control) => <textarea {...control} {...input} />}
    />
  );
}

export function SelectField({ label, error, hint, ...select }: FieldProps & ComponentProps<"select">) {
  return (
    <Field
      label={label}
      error={error}
      hint={hint}
      control={(control) => <select {...control} {...select} />}
    />
  );
}

export function CheckboxField({ label, error, hint, ...input }: FieldProps & ComponentProps<"input">) {
  return (
    <Field
      checkbox
      label={label}
      error={error}
      hint={hint}
      control={(control) => <input type="checkbox" {...control} {...input} />}
    />
  );
}

/** Cancel and submit at the end of a form. */
export function FormActions(props: {
  onCancel?: () => void;
  pending: boolean;
  label: string;
  pendingLabel?: string;
}) {
  return (
    <div className="actions">
      {props.onCancel && (
        <button type="button" className="button-secondary" onClick={props.onCancel}>
          Cancel
        </button>
      )}
      <button type="submit" className="button-primary" disabled={props.pending}>
        {props.pending ? (props.pendingLabel ?? "Saving…") : props.label}
      </button>
    </div>
  );
}

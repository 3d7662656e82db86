// A key's allowed models: checkboxes for the organization's catalog (aliases and
// `<provider>/<model>`, as the Models page shows them), narrowed by a box that also adds ids typed
// in it (a bare `demo-chat`, or a model the catalog does not list). The server checks every new
// entry when the key is saved; ids the key already had stay listed, checked, even if they no
// longer name a model.
import type { TCatalogModel } from "@gw/contracts";
import { type KeyboardEvent, type Ref, useId, useState } from "react";
import { modelList } from "../lib/form-schemas.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

interface Option {
  id: string;
  /** What the catalog says of it; undefined for ids typed in or kept from before. */
  model?: TCatalogModel;
}

const targetsOf = (model: TCatalogModel) => model.targets.map((t) => `${t.provider}/${t.model}`);

/** A line under an option: what an alias runs on, what a typed id stands for, or that it is down. */
function noteOf(option: Option, catalog: readonly TCatalogModel[]): string {
  const model = option.model;
  if (!model) {
    const named = catalog.filter((m) => m.kind === "model" && m.targets.some((t) => t.model === option.id));
    return named.length > 0 ? `model id of ${named.map((m) => m.id).join(", ")}` : "not in the catalog";
  }
  if (!model.available) return "not available now";
  return model.kind === "alias" ? `alias of ${targetsOf(model).join(", then ")}` : "";
}

export function AllowedModelsField(props: {
  value: string[];
  onChange: (models: string[]) => void;
  error?: string | undefined;
  inputRef?: Ref<HTMLInputElement>;
}) {
  const org = useOrg();
  const id = useId();
  const catalog = trpc.models.list.useQuery({ orgId: org.id });
  const [text, setText] = useState("");
  // Ids outside the catalog stay offered (unchecked) after being unchecked, until the form closes.
  const [typed, setTyped] = useState<string[]>(props.value);
  const chosen = new Set(props.value);
  const offered = (catalog.data ?? []).filter((m) => m.available || chosen.has(m.id));
  const known = new Set(offered.map((m) => m.id));
  const options: Option[] = [
    ...typed.filter((model) => !known.has(model)).map((model) => ({ id: model })),
    ...offered.map((model) => ({ id: model.id, model })),
  ];
  const needle = text.trim().toLowerCase();
  const matches = (o: Option) =>
    [o.id, ...(o.model ? targetsOf(o.model) : [])].some((name) => name.toLowerCase().includes(needle));
  const shown = options.filter((o) => chosen.has(o.id) || matches(o));
  const additions = modelList.parse(text).filter((model) => !chosen.has(model));

  const toggle = (model: string, on: boolean) =>
    props.onChange(on ? [...props.value, model] : props.value.filter((m) => m !== model));
  const add = () => {
    if (additions.length === 0) return;
    setTyped((list) => [...list, ...additions.filter((m) => !list.includes(m))]);
    props.onChange([...props.value, ...new Set(additions)]);
    setText("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== "Enter") return;
    // Enter adds what was typed rather than submitting the whole form.
    event.preventDefault();
    add();
  };

  const emptyNote = catalog.isPending
    ? "Loading the catalog…"
    : catalog.isError
      ? "The catalog could not be loaded; type the ids instead."
      : needle
        ? "No model in the catalog matches; Add uses what you typed."
        : "No model is available now; type the ids instead.";
  const described = [`${id}-hint`, props.error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <fieldset className="field model-picker" aria-describedby={described}>
      <legend>Allowed models</legend>
      <span id={`${id}-hint`} className="field-hint">
        None checked: every model. Check models from the catalog, or type a name the gateway knows (an alias,
        provider/model, or the model id alone) and press Add.
      </span>
      <div className="model-picker-add">
        <label htmlFor={`${id}-text`}>Find or add a model</label>
        <div className="key-box">
          <input
            id={`${id}-text`}
            ref={props.inputRef}
            value={text}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            aria-invalid={props.error ? true : undefined}
            aria-describedby={props.error ? `${id}-error` : undefined}
            aria-controls={`${id}-options`}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <button type="button" className="button-secondary" disabled={additions.length === 0} onClick={add}>
            Add
          </button>
        </div>
      </div>
      <ul id={`${id}-options`} className="model-options" aria-label="Models to allow">
        {shown.map((option) => {
          const control = `${id}-${option.id}`;
          const note = noteOf(option, offered);
          return (
            <li key={option.id}>
              <input
                type="checkbox"
                id={control}
                checked={chosen.has(option.id)}
                aria-describedby={note ? `${control}-note` : undefined}
                onChange={(event) => toggle(option.id, event.target.checked)}
              />
              <div>
                <label htmlFor={control}>
                  <code>{option.id}</code>
                </label>
                {note && (
                  <span id={`${control}-note`} className="cell-note">
                    {note}
                  </span>
                )}
              </div>
            </li>
          );
        })}
        {(shown.length === 0 || !catalog.isSuccess) && <li className="muted">{emptyNote}</li>}
      </ul>
      <p className="muted model-picker-summary" aria-live="polite">
        {props.value.length === 0
          ? "None chosen: the key may call every model."
          : `${props.value.length} chosen: ${props.value.join(", ")}`}
      </p>
      {props.error && (
        <span id={`${id}-error`} className="field-error">
          {props.error}
        </span>
      )}
    </fieldset>
  );
}

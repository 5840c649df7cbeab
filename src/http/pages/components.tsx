// The building blocks every page uses: form fields that keep what was typed and show their error beside
// them, buttons that post with the CSRF token, state badges, cards and key-value lists.

import type { Child } from "hono/jsx";
import { CSRF_FIELD } from "../auth/csrf.ts";

/** A form's values as typed and its errors by field name, for re-rendering after a refusal. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  /** A refusal that belongs to no single field. */
  message?: string;
}

export const emptyForm: FormState = { values: {}, errors: {} };

export interface FieldProps {
  name: string;
  label: string;
  value?: string;
  error?: string;
  help?: Child;
  type?: "text" | "number" | "password" | "email" | "file" | "search";
  required?: boolean;
  min?: number;
  max?: number;
  step?: string;
  placeholder?: string;
  autocomplete?: string;
  inputmode?: "numeric" | "tel" | "text";
  id?: string;
  accept?: string;
  autofocus?: boolean;
  readonly?: boolean;
}

/** A labelled input; its error (if any) is shown right under it and tied to it for screen readers. */
export function Field(props: FieldProps) {
  const id = props.id ?? `f-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.type === "file" || props.type === "password" ? undefined : props.value ?? ""}
        required={props.required}
        min={props.min}
        max={props.max}
        step={props.step}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        accept={props.accept}
        autofocus={props.autofocus}
        readonly={props.readonly}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      {props.help ? <small class="help">{props.help}</small> : null}
      {props.error ? <span class="error" id={`${id}-error`}>{props.error}</span> : null}
    </div>
  );
}

export function TextArea(
  props: {
    name: string;
    label: string;
    value?: string;
    error?: string;
    help?: Child;
    rows?: number;
    id?: string;
  },
) {
  const id = props.id ?? `f-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        aria-invalid={props.error ? "true" : undefined}
      >
        {props.value ?? ""}
      </textarea>
      {props.help ? <small class="help">{props.help}</small> : null}
      {props.error ? <span class="error" id={`${id}-error`}>{props.error}</span> : null}
    </div>
  );
}

export function Checkbox(
  props: { name: string; label: string; checked: boolean; error?: string; help?: Child; id?: string },
) {
  const id = props.id ?? `f-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <div class={props.error ? "field check invalid" : "field check"}>
      <input type="hidden" name={props.name} value="off" />
      <input id={id} type="checkbox" name={props.name} value="on" checked={props.checked} />
      <label for={id}>{props.label}</label>
      {props.help ? <small class="help">{props.help}</small> : null}
      {props.error ? <span class="error">{props.error}</span> : null}
    </div>
  );
}

export function Select(
  props: {
    name: string;
    label: string;
    value: string;
    options: readonly (string | { value: string; label: string })[];
    error?: string;
    help?: Child;
    id?: string;
  },
) {
  const id = props.id ?? `f-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        {props.options.map((option) => {
          const { value, label } = typeof option === "string" ? { value: option, label: option } : option;
          return <option value={value} selected={value === props.value}>{label}</option>;
        })}
      </select>
      {props.help ? <small class="help">{props.help}</small> : null}
      {props.error ? <span class="error">{props.error}</span> : null}
    </div>
  );
}

/** The hidden CSRF field every POST form carries. */
export function Csrf(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** A one-button form; `confirm` asks first (the client script shows the question). */
export function PostButton(
  props: {
    action: string;
    csrf: string;
    label: string;
    confirm?: string;
    fields?: Record<string, string>;
    kind?: "danger" | "secondary" | "primary";
    id?: string;
  },
) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <Csrf token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind ?? "secondary"} id={props.id}>{props.label}</button>
    </form>
  );
}

/** The form-wide refusal above the fields, when there is one. */
export function FormMessage(props: { form: FormState }) {
  if (!props.form.message) return null;
  return <p class="notice error" role="alert">{props.form.message}</p>;
}

export type Level = "ok" | "warning" | "error" | "idle";

/** A coloured state word. */
export function Badge(props: { level: Level; children: Child; id?: string }) {
  return <span class={`badge ${props.level}`} id={props.id}>{props.children}</span>;
}

/** The level a service state shows as. */
export function stateLevel(state: string): Level {
  if (state === "running" || state === "ready" || state === "connected") return "ok";
  if (state === "failed") return "error";
  if (state === "stopped") return "idle";
  return "warning";
}

export function Card(props: { title: Child; children: Child; id?: string; wide?: boolean; actions?: Child }) {
  return (
    <section class={props.wide ? "card wide" : "card"} id={props.id}>
      <header>
        <h2>{props.title}</h2>
        {props.actions ? <div class="actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** Label/value pairs as a definition list. */
export function KeyValues(props: { rows: [Child, Child][]; id?: string }) {
  return (
    <dl class="kv" id={props.id}>
      {props.rows.map(([key, value]) => (
        <div>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A table that scrolls sideways on a phone instead of squeezing its columns. */
export function Table(
  props: { head: Child[]; children: Child; id?: string; empty?: string; count?: number },
) {
  return (
    <div class="table-wrap">
      <table id={props.id}>
        <thead>
          <tr>{props.head.map((h) => <th scope="col">{h}</th>)}</tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
      {props.count === 0 && props.empty ? <p class="empty">{props.empty}</p> : null}
    </div>
  );
}

/** A region of a page that the live feed re-renders (see live/live_routes.tsx). */
export function LiveRegion(props: { name: string; children: Child; tag?: "div" | "span" }) {
  if (props.tag === "span") {
    return <span id={`live-${props.name}`} data-live={props.name}>{props.children}</span>;
  }
  return <div id={`live-${props.name}`} data-live={props.name}>{props.children}</div>;
}

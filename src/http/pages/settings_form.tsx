// A form for some settings of one section, built from the one settings schema: the input kind, limits
// and help text come from the schema, so a new setting needs no page code. Typed values are read back
// from the form with an error per field the browser sent in an unusable shape.

import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { z } from "zod";
import { type SectionName, sectionShape, settingsSchema } from "../../settings/schema.ts";
import type { HttpEnv } from "../context.ts";
import type { RefusedFile } from "../api/settings_api.ts";
import { formErrors } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import { Checkbox, Csrf, Field, FormMessage, type FormState, Select, TextArea } from "./components.tsx";

type FieldKind =
  | { kind: "number"; min?: number; max?: number; integer: boolean }
  | { kind: "boolean" }
  | { kind: "string" }
  | { kind: "secret" }
  | { kind: "enum"; options: string[] }
  | { kind: "list" };

/**
 * A text setting that holds a secret (mqtt.password): entered in a password field, never sent back to the
 * browser, kept when the field is left empty.
 */
const SECRET_SETTING = /^(password|passphrase|secret|token)$|(Password|Passphrase|Secret|Token)$/;

/** How a setting is entered, from its schema. */
export function fieldKind(section: SectionName, key: string): FieldKind {
  let schema = sectionShape(settingsSchema.shape[section])[key] as unknown as {
    def: { type: string; innerType?: unknown };
  };
  if (!schema) throw new Error(`no setting ${section}.${key}`);
  while (schema.def.type === "default" || schema.def.type === "prefault" || schema.def.type === "optional") {
    schema = schema.def.innerType as typeof schema;
  }
  const inner = schema as unknown as {
    def: { type: string };
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
    options?: string[];
  };
  switch (inner.def.type) {
    case "number":
      return {
        kind: "number",
        min: inner.minValue ?? undefined,
        max: inner.maxValue ?? undefined,
        integer: inner.isInt === true,
      };
    case "boolean":
      return { kind: "boolean" };
    case "enum":
      return { kind: "enum", options: inner.options ?? [] };
    case "array":
      return { kind: "list" };
    default:
      return SECRET_SETTING.test(key) ? { kind: "secret" } : { kind: "string" };
  }
}

/** The schema's sentence about a setting. */
export function settingHelp(section: SectionName, key: string): string | undefined {
  return (sectionShape(settingsSchema.shape[section])[key] as z.ZodType | undefined)?.description;
}

/** A value as the form shows it. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return value.join("\n");
  if (value === undefined || value === null) return "";
  return String(value);
}

/** Reads typed values from a submitted form; a value in an unusable shape becomes a field error. */
export function readSettingsForm(
  section: SectionName,
  keys: readonly string[],
  body: Record<string, unknown>,
): { values: Record<string, unknown>; form: FormState } {
  const values: Record<string, unknown> = {};
  const form: FormState = { values: {}, errors: {} };
  for (const key of keys) {
    const raw = body[key];
    const text = typeof raw === "string" ? raw : "";
    form.values[key] = text;
    const kind = fieldKind(section, key);
    if (kind.kind === "boolean") {
      values[key] = text === "on";
    } else if (kind.kind === "number") {
      const n = Number(text.trim());
      if (text.trim() === "" || !Number.isFinite(n)) form.errors[key] = "Enter a number.";
      else values[key] = n;
    } else if (kind.kind === "secret") {
      // Never echoed back; an empty field leaves the stored secret as it is (the PUT merges).
      form.values[key] = "";
      if (text !== "") values[key] = text;
    } else if (kind.kind === "list") {
      values[key] = text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
    } else {
      values[key] = text.trim();
    }
  }
  return { values, form };
}

export interface SettingsFormProps {
  section: SectionName;
  keys: readonly string[];
  labels: Record<string, string>;
  /** The file's values (what is edited). */
  file: Record<string, unknown>;
  /** Values in force; differ where a command-line flag overrides the file. */
  effective: Record<string, unknown>;
  /** Why the settings file is refused where it concerns this section; the form then shows running values. */
  refused?: RefusedFile | null;
  form: FormState;
  action: string;
  csrf: string;
  id: string;
  submit?: string;
  after?: Child;
}

export function SettingsForm(props: SettingsFormProps) {
  const { section, form } = props;
  const value = (key: string) => key in form.values ? form.values[key] : shown(props.file[key]);
  return (
    <form method="post" action={props.action} id={props.id} class="settings">
      <Csrf token={props.csrf} />
      <FormMessage form={form} />
      {props.refused ? <RefusedEdit section={section} refused={props.refused} /> : null}
      {props.keys.map((key) => {
        const kind = fieldKind(section, key);
        const label = props.labels[key] ?? key;
        const overridden = JSON.stringify(props.effective[key]) !== JSON.stringify(props.file[key]);
        const help = (
          <>
            {settingHelp(section, key)}
            {overridden
              ? (
                <em class="override">
                  In force now:{" "}
                  {kind.kind === "secret" ? "another value" : shown(props.effective[key]) || "(empty)"}, set
                  by a command-line flag.
                </em>
              )
              : null}
          </>
        );
        const id = `${props.id}-${key}`;
        switch (kind.kind) {
          case "boolean":
            return (
              <Checkbox
                id={id}
                name={key}
                label={label}
                checked={key in form.values ? form.values[key] === "on" : props.file[key] === true}
                error={form.errors[key]}
                help={help}
              />
            );
          case "enum":
            return (
              <Select
                id={id}
                name={key}
                label={label}
                value={value(key)}
                options={kind.options}
                error={form.errors[key]}
                help={help}
              />
            );
          case "list":
            return (
              <TextArea
                id={id}
                name={key}
                label={label}
                value={value(key)}
                error={form.errors[key]}
                help={<>One per line. {help}</>}
                rows={3}
              />
            );
          case "number":
            return (
              <Field
                id={id}
                name={key}
                label={label}
                type="number"
                value={value(key)}
                min={kind.min}
                max={kind.max}
                step={kind.integer ? "1" : "any"}
                error={form.errors[key]}
                help={help}
              />
            );
          case "secret":
            return (
              <Field
                id={id}
                name={key}
                label={label}
                type="password"
                autocomplete="new-password"
                error={form.errors[key]}
                help={
                  <>
                    {props.file[key] ? "A password is stored; leave empty to keep it. " : null}
                    {help}
                  </>
                }
              />
            );
          default:
            return (
              <Field
                id={id}
                name={key}
                label={label}
                value={value(key)}
                error={form.errors[key]}
                help={help}
              />
            );
        }
      })}
      {props.after}
      <button type="submit" class="primary">{props.submit ?? "Save"}</button>
    </form>
  );
}

/** What the settings file says about this section that was refused, above the form's running values. */
function RefusedEdit(props: { section: SectionName; refused: RefusedFile }) {
  return (
    <div class="notice warning" role="alert" id={`${props.section}-settings-refused`}>
      <p>
        <strong>The settings file has an edit that was refused</strong>; the running settings stay and are
        shown below. Correct or undo it in the file:
      </p>
      <ul>
        {props.refused.problems.map((p) => (
          <li>
            {p.line ? `line ${p.line}: ` : ""}
            {p.field ? <code>{p.field}</code> : null}
            {p.field ? ": " : ""}
            {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The file's and the running values of a section, for a settings form, and any refused edit of it. */
export async function sectionValues(
  deps: WebDeps,
  env: Parameters<WebDeps["api"]["get"]>[0],
  section: SectionName,
): Promise<
  { file: Record<string, unknown>; effective: Record<string, unknown>; refused: RefusedFile | null }
> {
  const result = await deps.api.get<{
    file: Record<string, unknown>;
    settings: Record<string, unknown>;
    refused: RefusedFile | null;
  }>(env, `/settings/${section}`);
  if (!result.ok) throw new Error(`settings ${section}: ${result.error.message}`);
  return { file: result.data.file, effective: result.data.settings, refused: result.data.refused };
}

/**
 * Handles a settings form post: read, save through the API, and either redirect with a message or
 * answer with the page again showing what was typed and the error beside its field.
 */
export async function saveSettingsForm(
  c: Context<HttpEnv>,
  deps: WebDeps,
  options: {
    section: SectionName;
    keys: readonly string[];
    redirectTo: string;
    saved: string;
    rerender: (form: FormState) => Promise<Response>;
  },
): Promise<Response> {
  const body = await c.req.parseBody();
  const { values, form } = readSettingsForm(options.section, options.keys, body);
  if (Object.keys(form.errors).length > 0) return options.rerender(form);
  const result = await deps.api.call(actingEnv(c), "PUT", `/settings/${options.section}`, { json: values });
  if (!result.ok) {
    const { errors, message } = formErrors(result.error);
    const page = await options.rerender({
      ...form,
      errors,
      message: message ?? (Object.keys(errors).length ? "Not saved; see the marked field." : undefined),
    });
    // A refused file (409) or a file that cannot be written (503) is not the form's fault: keep the status.
    if (result.status === 409 || result.status === 503) {
      return new Response(page.body, { status: result.status, headers: page.headers });
    }
    return page;
  }
  deps.log.info("settings saved in the web UI", { section: options.section, user: c.get("user") });
  return redirectWithFlash(c, deps, options.redirectTo, options.saved);
}

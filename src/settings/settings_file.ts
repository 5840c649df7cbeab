// Reads and writes cstabox.yaml: parse with positions so every refusal names file, line, column and
// field; write atomically (temp file, fsync, rename, directory fsync) keeping one `.bak`.

import { isMap, isScalar, LineCounter, parseDocument, stringify } from "yaml";
import type { Document } from "yaml";
import { z } from "zod";
import { writeFileAtomic } from "../fs/atomic_file.ts";
import { errorText } from "../log/error_text.ts";
import { sectionShape, type Settings, settingsSchema } from "./schema.ts";

/** One reason a settings file was refused, with where it is in the file when that is known. */
export interface SettingsProblem {
  /** Dotted field path, e.g. `pbx.port`; empty for a YAML syntax error. */
  field: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * The settings file could not be used (refused, missing or unreadable); nothing of it was applied. A read
 * failure keeps the system error as `cause` (`Deno.errors.NotFound` for a missing file).
 */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
  constructor(readonly file: string, readonly problems: SettingsProblem[], options?: ErrorOptions) {
    super(`${file}: ${problems.map(formatProblem).join("; ")}`, options);
  }

  /** The file is not there at all (deleted, or never written). */
  get missing(): boolean {
    return this.cause instanceof Deno.errors.NotFound;
  }
}

/** New settings were valid but could not be written; the file and the running settings are unchanged. */
export class SettingsWriteError extends Error {
  override readonly name = "SettingsWriteError";
  constructor(readonly file: string, cause: unknown) {
    super(`settings not saved: ${file} cannot be written (${errorText(cause)})`, { cause });
  }
}

function formatProblem(p: SettingsProblem): string {
  const where = p.line ? `line ${p.line}, column ${p.column}` : "";
  const field = p.field ? `${p.field}: ` : "";
  return [where, `${field}${p.message}`].filter(Boolean).join(": ");
}

/** Parses YAML text into validated settings, or throws SettingsError with every problem located. */
export function parseSettings(text: string, file: string): Settings {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SettingsError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { field: "", message: e.message.split("\n")[0], line: pos.line, column: pos.col };
      }),
    );
  }
  let raw: unknown;
  try {
    // toJS refuses a document whose aliases would expand past yaml's limit (an "alias bomb").
    raw = doc.toJS() ?? {};
  } catch (error) {
    throw new SettingsError(file, [{ field: "", message: errorText(error) }], { cause: error });
  }
  const result = settingsSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new SettingsError(file, result.error.issues.map((issue) => locateIssue(issue, doc, lineCounter)));
}

function locateIssue(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): SettingsProblem {
  const path = issue.path.map(String);
  // For an unknown key zod points at the object; point at the key itself.
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const field = [...path, ...keys.slice(0, 1)].join(".");
  const offset = nodeOffset(doc, path, keys[0]);
  const pos = offset === undefined ? undefined : lines.linePos(offset);
  return { field, message: issue.message, line: pos?.line, column: pos?.col };
}

function nodeOffset(doc: Document, path: string[], key?: string): number | undefined {
  if (key !== undefined) {
    const parent = path.length ? doc.getIn(path, true) : doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      const keyNode = pair?.key as { range?: [number, number, number] } | undefined;
      if (keyNode?.range) return keyNode.range[0];
    }
  }
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}

/** Reads and validates a settings file; a file that cannot be read is a SettingsError too. */
export async function loadSettingsFile(file: string): Promise<Settings> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new SettingsError(file, [{ field: "", message: `the file cannot be read: ${errorText(error)}` }], {
      cause: error,
    });
  }
  return parseSettings(text, file);
}

/**
 * Renders settings as YAML with the schema's description above every section and setting, so an
 * administrator can read and edit the file without the manual.
 */
export function renderSettings(settings: Settings): string {
  const out: string[] = [
    "# cstabox settings. Every setting is listed with its current value; remove one to use its default.",
    "# The file is watched: a valid change is applied at once, an invalid one is logged and ignored.",
    "",
  ];
  for (const [name, sectionSchema] of Object.entries(settingsSchema.shape)) {
    out.push(`# ${sectionSchema.description ?? name}`, `${name}:`);
    const shape = sectionShape(sectionSchema);
    const values = settings[name as keyof Settings] as Record<string, unknown>;
    for (const [key, field] of Object.entries(shape)) {
      const description = (field as z.ZodType).description;
      if (description) out.push(`  # ${description}`);
      out.push(`  ${stringify({ [key]: values[key] }, { lineWidth: 0 }).trimEnd()}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/**
 * Writes settings text atomically and durably, keeping the previous file as `.bak`; readable by the
 * service's user only (0600), like the rest of the data directory.
 */
export async function writeSettingsText(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { keepOldAs: `${file}.bak`, mode: 0o600 });
}

/** Validates settings and saves them atomically with comments; refuses invalid settings unchanged. */
export async function saveSettingsFile(file: string, settings: Settings): Promise<void> {
  const checked = settingsSchema.safeParse(settings);
  if (!checked.success) {
    throw new SettingsError(
      file,
      checked.error.issues.map((i) => ({ field: i.path.map(String).join("."), message: i.message })),
    );
  }
  await writeSettingsText(file, renderSettings(checked.data));
}

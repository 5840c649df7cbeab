// Reads and writes cstabox.yaml: parse with positions so every refusal names file, line, column and
// field; migrate older file versions; keep (and warn about) unknown keys; save through the yaml Document
// so the administrator's comments and layout stay; write atomically keeping one `.bak`.

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

/** The settings file format this cstabox reads and writes (`version:` at the top of the file). */
export const SETTINGS_FILE_VERSION = 2;

/**
 * One step of the file format, from `from` to `from + 1`, made on the YAML document (so comments stay):
 * renames and moves of settings go here, so a file written by an older cstabox keeps meaning the same.
 */
export interface SettingsMigration {
  from: number;
  what: string;
  migrate(doc: Document): void;
}

/** Every migration, oldest first. Version 1 is every file written before the `version` field existed. */
export const settingsMigrations: readonly SettingsMigration[] = [
  { from: 1, what: "the file states its format version", migrate: () => {} },
];

/** A settings file read: the settings, what was ignored in it, and its migrated text when it was older. */
export interface SettingsRead {
  settings: Settings;
  /** Unknown keys (kept in the file, ignored) and a file from a newer cstabox. */
  warnings: SettingsProblem[];
  /** The format version the file had (1 when it has none). */
  fileVersion: number;
  /** The file's text after the migrations, when there were any to make. */
  migratedText?: string;
}

/** Parses YAML text into validated settings, or throws SettingsError with every problem located. */
export function parseSettings(text: string, file: string): Settings {
  return readSettings(text, file).settings;
}

/**
 * Parses, migrates and validates settings text. Unknown keys (a typo, or a setting of a newer cstabox
 * after a downgrade) are warnings, never fatal: they stay in the file and are ignored.
 */
export function readSettings(
  text: string,
  file: string,
  migrations: readonly SettingsMigration[] = settingsMigrations,
  currentVersion = SETTINGS_FILE_VERSION,
): SettingsRead {
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
  const warnings: SettingsProblem[] = [];
  const at = (path: string[], key?: string) => {
    const offset = nodeOffset(doc, path, key);
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
    return { line: pos?.line, column: pos?.col };
  };
  const versionValue = isMap(doc.contents) ? doc.get("version") : undefined;
  const fileVersion = versionValue === undefined ? 1 : versionValue;
  if (typeof fileVersion !== "number" || !Number.isInteger(fileVersion) || fileVersion < 1) {
    throw new SettingsError(file, [{
      field: "version",
      message: "must be a whole number from 1",
      ...at(["version"]),
    }]);
  }
  if (fileVersion > currentVersion) {
    warnings.push({
      field: "version",
      message:
        `the file is from a newer cstabox (format ${fileVersion}; this one knows ${currentVersion}): ` +
        "settings it does not know are kept and ignored",
      ...at(["version"]),
    });
  }
  let migratedText: string | undefined;
  const pending = migrations.filter((m) => m.from >= fileVersion && m.from < currentVersion);
  if (pending.length > 0) {
    for (const migration of pending) migration.migrate(doc);
    setVersion(doc, currentVersion);
    migratedText = doc.toString({ lineWidth: 0 });
  }
  let raw: unknown;
  try {
    // toJS refuses a document whose aliases would expand past yaml's limit (an "alias bomb").
    raw = doc.toJS() ?? {};
  } catch (error) {
    throw new SettingsError(file, [{ field: "", message: errorText(error) }], { cause: error });
  }
  const known = withoutUnknownKeys(raw, (field, path, key) => {
    warnings.push({ field, message: "unknown setting, kept in the file and ignored", ...at(path, key) });
  });
  const result = settingsSchema.safeParse(known);
  if (result.success) return { settings: result.data, warnings, fileVersion, migratedText };
  throw new SettingsError(file, result.error.issues.map((issue) => locateIssue(issue, doc, lineCounter)));
}

/** `version:` first in the file, with a comment saying what it is. */
function setVersion(doc: Document, version: number): void {
  if (!isMap(doc.contents)) return;
  const existing = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "version");
  if (existing) {
    doc.set("version", version);
    return;
  }
  const pair = doc.createPair("version", version);
  (pair.key as { commentBefore?: string }).commentBefore =
    " format of this file; cstabox migrates older files and keeps what it does not know";
  doc.contents.items.unshift(pair);
  // The file's opening comment stays at the top, above the version.
}

/** The raw settings without top-level sections or section keys the schema does not know. */
function withoutUnknownKeys(
  raw: unknown,
  unknown: (field: string, path: string[], key: string) => void,
): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(raw)) {
    if (section === "version") continue;
    const sectionSchema = (settingsSchema.shape as Record<string, z.ZodType>)[section];
    if (!sectionSchema) {
      unknown(section, [], section);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      out[section] = value;
      continue;
    }
    const shape = sectionShape(sectionSchema);
    const kept: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (key in shape) kept[key] = field;
      else unknown(`${section}.${key}`, [section], key);
    }
    out[section] = kept;
  }
  return out;
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
  return (await readSettingsFile(file)).settings;
}

/** Reads, migrates and validates a settings file, with its warnings. */
export async function readSettingsFile(file: string): Promise<SettingsRead> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new SettingsError(file, [{ field: "", message: `the file cannot be read: ${errorText(error)}` }], {
      cause: error,
    });
  }
  return readSettings(text, file);
}

/**
 * The text of `settings` saved over the file's current `text`: only values that differ are changed, in
 * the yaml Document, so comments, order, layout and unknown keys stay. Without a usable text (none, or
 * not YAML) the file is rendered afresh with a comment per setting.
 */
export function updateSettingsText(text: string | undefined, settings: Settings): string {
  const doc = text === undefined ? undefined : parseDocument(text, { uniqueKeys: true });
  if (!doc || doc.errors.length > 0 || !isMap(doc.contents)) return renderSettings(settings);
  const defaults = settingsSchema.parse({});
  for (const [section, values] of Object.entries(settings) as [keyof Settings, Record<string, unknown>][]) {
    const node = doc.get(section, true);
    const sectionDefaults = defaults[section] as Record<string, unknown>;
    if (!isMap(node)) {
      // A section the file does not have: only the settings that are not at their defaults are added.
      const changed = Object.entries(values).filter(([key, value]) =>
        JSON.stringify(value) !== JSON.stringify(sectionDefaults[key])
      );
      if (changed.length > 0) doc.set(section, Object.fromEntries(changed));
      continue;
    }
    for (const [key, value] of Object.entries(values)) {
      // A key the file leaves out stands for its default: it is written only when it no longer is.
      const inFile = node.has(key) ? toJs(node.get(key, true)) : sectionDefaults[key];
      // A scalar keeps its node (and the comment beside it); yaml replaces only the value.
      if (JSON.stringify(inFile) !== JSON.stringify(value)) doc.setIn([section, key], value);
    }
  }
  setVersion(doc, SETTINGS_FILE_VERSION);
  return doc.toString({ lineWidth: 0 });
}

function toJs(node: unknown): unknown {
  return node && typeof node === "object" && "toJSON" in node
    ? (node as { toJSON: () => unknown }).toJSON()
    : node;
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
    "# format of this file; cstabox migrates older files and keeps what it does not know",
    `version: ${SETTINGS_FILE_VERSION}`,
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
  const current = await Deno.readTextFile(file).catch(() => undefined);
  await writeSettingsText(file, updateSettingsText(current, checked.data));
}

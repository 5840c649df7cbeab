// Importing the text form into the line store: every row is checked first, and a single bad row means
// nothing is applied and every bad row is reported.

import type { Line, LineKind } from "./line.ts";
import type { LineRepository } from "./line_repository.ts";
import { type LineTextProblem, parseLineText } from "./line_text.ts";

/**
 * `merge` adds new numbers and sets the names the file gives, leaving other lines alone; `replace` makes
 * the store hold exactly the file's numbers and names (lines not in the file are deleted, a row without a
 * name clears the name). Kind, device number and flags of lines that stay are kept in both modes.
 */
export type LineImportMode = "merge" | "replace";

export type LineImportResult =
  | {
    ok: true;
    added: string[];
    changed: string[];
    unchanged: number;
    removed: string[];
    /** What a preview shows of each change: the name before and after. */
    renamed: { number: string; from: string; to: string }[];
    /** Names of the added and the removed lines, for a preview. */
    addedNames: Record<string, string>;
    removedNames: Record<string, string>;
  }
  | { ok: false; rows: LineTextProblem[] }
  /** A replace with a file that holds no line would delete every line: refused, nothing changed. */
  | { ok: false; emptyReplace: { lines: number } };

/**
 * Imports text into the store in one transaction, or reports every refused row and changes nothing. With
 * `preview`, says what the import would do and writes nothing (a replace is shown before it deletes).
 */
export function importLineText(
  repository: LineRepository,
  text: string,
  mode: LineImportMode = "merge",
  options: { kindOfNewLines?: LineKind; preview?: boolean } = {},
): LineImportResult {
  const { entries, problems } = parseLineText(text);
  if (problems.length > 0) return { ok: false, rows: problems };
  if (mode === "replace" && entries.length === 0 && repository.count() > 0) {
    return { ok: false, emptyReplace: { lines: repository.count() } };
  }
  const write = !options.preview;
  return repository.transaction(() => {
    const current = new Map(repository.list().map((line) => [line.number, line]));
    const added: string[] = [];
    const addedNames: Record<string, string> = {};
    const changed: string[] = [];
    const renamed: { number: string; from: string; to: string }[] = [];
    let unchanged = 0;
    for (const entry of entries) {
      const existing = current.get(entry.number);
      const name = entry.name ?? (mode === "replace" ? "" : existing?.name ?? "");
      if (!existing) {
        if (write) {
          repository.put({ number: entry.number, name, kind: options.kindOfNewLines ?? "extension" });
        }
        added.push(entry.number);
        addedNames[entry.number] = name;
      } else if (existing.name !== name) {
        if (write) repository.put({ ...existing, name });
        changed.push(entry.number);
        renamed.push({ number: entry.number, from: existing.name, to: name });
      } else {
        unchanged++;
      }
    }
    const removed = mode === "replace" ? linesNotIn(current, entries) : [];
    if (write) { for (const number of removed) repository.remove(number); }
    const removedNames = Object.fromEntries(
      removed.map((number) => [number, current.get(number)?.name ?? ""]),
    );
    return { ok: true as const, added, changed, unchanged, removed, renamed, addedNames, removedNames };
  });
}

function linesNotIn(current: Map<string, Line>, entries: readonly { number: string }[]): string[] {
  const kept = new Set(entries.map((entry) => entry.number));
  return [...current.keys()].filter((number) => !kept.has(number));
}

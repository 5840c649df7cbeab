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
  | { ok: true; added: string[]; changed: string[]; unchanged: number; removed: string[] }
  | { ok: false; rows: LineTextProblem[] }
  /** A replace with a file that holds no line would delete every line: refused, nothing changed. */
  | { ok: false; emptyReplace: { lines: number } };

/** Imports text into the store in one transaction, or reports every refused row and changes nothing. */
export function importLineText(
  repository: LineRepository,
  text: string,
  mode: LineImportMode = "merge",
  kindOfNewLines: LineKind = "extension",
): LineImportResult {
  const { entries, problems } = parseLineText(text);
  if (problems.length > 0) return { ok: false, rows: problems };
  if (mode === "replace" && entries.length === 0 && repository.count() > 0) {
    return { ok: false, emptyReplace: { lines: repository.count() } };
  }
  return repository.transaction(() => {
    const current = new Map(repository.list().map((line) => [line.number, line]));
    const added: string[] = [];
    const changed: string[] = [];
    let unchanged = 0;
    for (const entry of entries) {
      const existing = current.get(entry.number);
      const name = entry.name ?? (mode === "replace" ? "" : existing?.name ?? "");
      if (!existing) {
        repository.put({ number: entry.number, name, kind: kindOfNewLines });
        added.push(entry.number);
      } else if (existing.name !== name) {
        repository.put({ ...existing, name });
        changed.push(entry.number);
      } else {
        unchanged++;
      }
    }
    const removed = mode === "replace" ? removeLinesNotIn(repository, current, entries) : [];
    return { ok: true as const, added, changed, unchanged, removed };
  });
}

function removeLinesNotIn(
  repository: LineRepository,
  current: Map<string, Line>,
  entries: readonly { number: string }[],
): string[] {
  const kept = new Set(entries.map((entry) => entry.number));
  const removed = [...current.keys()].filter((number) => !kept.has(number));
  for (const number of removed) repository.remove(number);
  return removed;
}

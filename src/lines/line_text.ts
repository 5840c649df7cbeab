// The estos-compatible text form of the line list: one line per row, the number first, an optional name
// after the first comma; blank rows and rows starting with `#` are ignored.

import { checkLineName, checkLineNumber, type Line, LineValueError } from "./line.ts";

/** One accepted row of an import: where it was and what it says. `name` is absent when no comma was given. */
export interface LineTextEntry {
  row: number;
  number: string;
  name?: string;
}

/** One refused row: its 1-based row number, its text as written and why it was refused. */
export interface LineTextProblem {
  row: number;
  text: string;
  reason: string;
}

export interface ParsedLineText {
  entries: LineTextEntry[];
  problems: LineTextProblem[];
}

/** Largest import accepted, in rows; a bigger file is refused as a whole rather than half read. */
export const LINE_TEXT_MAX_ROWS = 10_000;

/** Reads the text form; every row is checked and every bad row reported, none is silently dropped. */
export function parseLineText(text: string): ParsedLineText {
  const rows = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  if (rows.length > LINE_TEXT_MAX_ROWS) {
    return {
      entries: [],
      problems: [{ row: LINE_TEXT_MAX_ROWS + 1, text: "", reason: `more than ${LINE_TEXT_MAX_ROWS} rows` }],
    };
  }
  const entries: LineTextEntry[] = [];
  const problems: LineTextProblem[] = [];
  const firstRowOf = new Map<string, number>();
  rows.forEach((raw, index) => {
    const row = index + 1;
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) return;
    try {
      const entry = parseRow(text, row);
      const earlier = firstRowOf.get(entry.number);
      if (earlier !== undefined) {
        problems.push({ row, text: raw, reason: `number ${entry.number} is already on row ${earlier}` });
        return;
      }
      firstRowOf.set(entry.number, row);
      entries.push(entry);
    } catch (error) {
      if (!(error instanceof LineValueError)) throw error;
      problems.push({ row, text: raw, reason: error.message });
    }
  });
  return { entries, problems };
}

function parseRow(text: string, row: number): LineTextEntry {
  const comma = text.indexOf(",");
  if (comma < 0) return { row, number: checkLineNumber(text) };
  return {
    row,
    number: checkLineNumber(text.slice(0, comma)),
    name: checkLineName(text.slice(comma + 1)),
  };
}

/** Writes lines in the text form, one row each, in the order given; a line without a name has no comma. */
export function formatLineText(lines: readonly Pick<Line, "number" | "name">[]): string {
  return lines.map((line) => line.name === "" ? line.number : `${line.number},${line.name}`)
    .map((row) => row + "\n").join("");
}

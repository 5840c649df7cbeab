// The CSV form of a name directory (contacts: caller number -> name; DDI names: DDI -> name): two
// columns, number and name. Every row is checked and every bad row reported; nothing is half read.

/** One number and the name printed for it. */
export interface NameEntry {
  number: string;
  name: string;
}

/** One refused row: its 1-based row number in the file, its text as written, and why. */
export interface NameRowProblem {
  row: number;
  text: string;
  reason: string;
}

export interface ParsedNameCsv {
  entries: NameEntry[];
  problems: NameRowProblem[];
}

/** Largest import accepted, in rows; a bigger file is refused as a whole. */
export const NAME_CSV_MAX_ROWS = 100_000;
/** Longest name kept (records print the first 14 or 10 characters; the rest is for the export). */
export const NAME_MAX_LENGTH = 64;
/** Longest number kept, after spaces and separators are taken out. */
export const NUMBER_MAX_LENGTH = 32;

/**
 * The form numbers are stored and looked up in: spaces and the separators people write into numbers
 * (`-`, `.`, `/`, brackets) left out, so `+49 (30) 1234-5` and `+493012345` are the same entry.
 */
export function normaliseDirectoryNumber(number: string): string {
  return number.replace(/[\s\-./()]/g, "");
}

/** Why a number cannot be a directory key, or undefined when it can. */
export function numberProblem(number: string): string | undefined {
  if (number === "") return "the number is empty";
  if (number.length > NUMBER_MAX_LENGTH) return `the number is longer than ${NUMBER_MAX_LENGTH} characters`;
  if (!/^\+?[0-9A-Za-z*#]+$/.test(number)) {
    return `the number ${JSON.stringify(number)} may hold only digits, letters, * and # after an optional +`;
  }
  return undefined;
}

/** Why a name cannot be stored, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name.length > NAME_MAX_LENGTH) return `the name is longer than ${NAME_MAX_LENGTH} characters`;
  if (/\p{Cc}/u.test(name)) return "the name holds a control character";
  return undefined;
}

/**
 * Reads `number,name` rows. A first row whose number column holds no digit is a header and skipped;
 * blank rows are ignored (there are no comment rows: `#` starts real numbers such as `#31#`); fields may be quoted (`"Smith, John"`); a first row
 * with `;` and no `,` makes `;` the separator (spreadsheets in some locales write that).
 */
export function parseNameCsv(text: string): ParsedNameCsv {
  const rows = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  if (rows.at(-1) === "") rows.pop();
  if (rows.length > NAME_CSV_MAX_ROWS) {
    return {
      entries: [],
      problems: [{ row: NAME_CSV_MAX_ROWS + 1, text: "", reason: `more than ${NAME_CSV_MAX_ROWS} rows` }],
    };
  }
  const firstData = rows.findIndex((row) => row.trim() !== "");
  const separator = firstData >= 0 && rows[firstData].includes(";") && !rows[firstData].includes(",")
    ? ";"
    : ",";
  const entries: NameEntry[] = [];
  const problems: NameRowProblem[] = [];
  const firstRowOf = new Map<string, number>();
  rows.forEach((raw, index) => {
    const row = index + 1;
    if (raw.trim() === "") return;
    const fields = splitCsvRow(raw, separator);
    if (typeof fields === "string") return void problems.push({ row, text: raw, reason: fields });
    if (index === firstData && !/[0-9]/.test(fields[0] ?? "")) return; // header
    const checked = checkRow(fields);
    if (typeof checked === "string") return void problems.push({ row, text: raw, reason: checked });
    const earlier = firstRowOf.get(checked.number);
    if (earlier !== undefined) {
      return void problems.push({
        row,
        text: raw,
        reason: `number ${checked.number} is already on row ${earlier}`,
      });
    }
    firstRowOf.set(checked.number, row);
    entries.push(checked);
  });
  return { entries, problems };
}

/** Checks and normalises one entry given as values (CSV row or JSON body); a string says what is wrong. */
export function checkNameEntry(number: string, name: string): NameEntry | string {
  const normalised = normaliseDirectoryNumber(number.trim());
  const trimmedName = name.trim();
  return numberProblem(normalised) ?? nameProblem(trimmedName) ?? { number: normalised, name: trimmedName };
}

function checkRow(fields: string[]): NameEntry | string {
  if (fields.length !== 2) return `expected 2 columns (number, name), found ${fields.length}`;
  return checkNameEntry(fields[0], fields[1]);
}

/** Splits one CSV row into fields (RFC 4180 quoting within the row); a string says what is wrong. */
function splitCsvRow(row: string, separator: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (row[i] === " ") i++;
    if (row[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= row.length) return "a quoted field is not closed";
        if (row[i] === '"') {
          if (row[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += row[i++];
      }
      while (row[i] === " ") i++;
      if (i < row.length && row[i] !== separator) {
        return `unexpected text after a quoted field at column ${i + 1}`;
      }
      fields.push(value);
    } else {
      const end = row.indexOf(separator, i);
      const value = end < 0 ? row.slice(i) : row.slice(i, end);
      if (value.includes('"')) return `a quote inside an unquoted field at column ${i + 1}`;
      fields.push(value);
      i = end < 0 ? row.length : end;
    }
    if (i >= row.length) return fields;
    i++; // the separator
  }
}

/** Writes entries as CSV with a header row; names with commas, quotes or leading spaces are quoted. */
export function formatNameCsv(entries: readonly NameEntry[], header: string): string {
  const lines = [`${header},name`];
  for (const entry of entries) lines.push(`${entry.number},${quoteIfNeeded(entry.name)}`);
  return lines.join("\r\n") + "\r\n";
}

function quoteIfNeeded(value: string): string {
  return /[",;]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

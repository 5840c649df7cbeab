// A line: one PBX device (extension, trunk, group) the appliance offers to applications, with the rules
// its number and name keep so that the text export and every API accept the same values.

/** What sort of PBX device a line is; `other` covers devices the PBX reports in no known category. */
export type LineKind = "extension" | "trunk" | "group" | "other";

export const LINE_KINDS: readonly LineKind[] = ["extension", "trunk", "group", "other"];

/** A stored line. `number` is the internal number and the line's identity. */
export interface Line {
  number: string;
  name: string;
  kind: LineKind;
  /** The PBX's own integer id for the device (§5.1 deviceNumber [C-pbx]), when the PBX reported one. */
  deviceNumber: number | null;
  enabled: boolean;
  /** Set when the PBX stopped offering the device; the line is kept until the administrator decides. */
  missingFromPbx: boolean;
}

/**
 * Internal numbers are dialable strings: digits, `*` and `#`, as a Panasonic extension or group number. A
 * number may not begin with `#`: in the text form such a row is a comment.
 */
export const LINE_NUMBER_PATTERN = /^[0-9*][0-9*#]{0,19}$/;
/** Longest line name: more than a phone display or an SMDR field shows; bounds the text import. */
export const LINE_NAME_MAX = 64;

/** A value of a line field was refused; `field` names it as the API and the import report show it. */
export class LineValueError extends Error {
  override readonly name = "LineValueError";
  constructor(readonly field: "number" | "name" | "kind" | "deviceNumber", message: string) {
    super(message);
  }
}

/** Checks an internal number and returns it trimmed, or throws `LineValueError`. */
export function checkLineNumber(raw: string): string {
  const number = raw.trim();
  if (number === "") throw new LineValueError("number", "the number is empty");
  if (!LINE_NUMBER_PATTERN.test(number)) {
    throw new LineValueError(
      "number",
      `"${number}" is not an internal number (1 to 20 characters of 0-9, * and #, not starting with #)`,
    );
  }
  return number;
}

/**
 * Checks a display name and returns it trimmed, or throws `LineValueError`. Names may contain commas (the
 * text format splits at the first comma only) but no control characters, which would break a text row.
 */
export function checkLineName(raw: string): string {
  const name = raw.trim();
  if (name.length > LINE_NAME_MAX) {
    throw new LineValueError("name", `the name is longer than ${LINE_NAME_MAX} characters`);
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new LineValueError("name", "the name contains a control character (tab, line break, …)");
  }
  return name;
}

/** Checks a PBX device number: a non-negative integer as BER INTEGER carries it (§5.1 [C-pbx]). */
export function checkDeviceNumber(value: number | null): number | null {
  if (value === null) return null;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new LineValueError("deviceNumber", `device number ${value} is not a non-negative integer`);
  }
  return value;
}

/**
 * Orders internal numbers as an administrator reads them: shorter numbers first, then digit by digit, so
 * 99 comes before 100 and 100 before 1000.
 */
export function compareLineNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

// Extension ranges (`100-199, 200-249`): which internal numbers exist in the PBX. They filter what the PBX
// offers as lines and decide whether a number is internal.

import { compareLineNumbers } from "./line.ts";

/** An inclusive range of internal numbers; a single number has `first === last`. */
export interface ExtensionRange {
  first: string;
  last: string;
}

/** A range entry was refused; `position` is its 1-based place in the list as written. */
export class ExtensionRangeError extends Error {
  override readonly name = "ExtensionRangeError";
  constructor(readonly position: number, readonly entry: string, readonly reason: string) {
    super(`extension range ${position} ("${entry}"): ${reason}`);
  }
}

/** A bound on administrator input, far above what a site needs, so one form cannot make every check slow. */
export const EXTENSION_RANGES_MAX = 100;
const BOUND = /^[0-9]{1,15}$/;

/**
 * Reads a list such as `100-199, 200-249; 300`: entries separated by commas, semicolons or spaces, each a
 * number or `first-last`. An empty text is an empty list. Throws `ExtensionRangeError` for the first bad entry.
 */
export function parseExtensionRanges(text: string): ExtensionRange[] {
  const entries = text.replace(/\s*-\s*/g, "-").split(/[\s,;]+/).filter((entry) => entry !== "");
  if (entries.length > EXTENSION_RANGES_MAX) {
    throw new ExtensionRangeError(EXTENSION_RANGES_MAX + 1, entries[EXTENSION_RANGES_MAX], "too many ranges");
  }
  return entries.map((entry, index) => parseEntry(entry, index + 1));
}

function parseEntry(entry: string, position: number): ExtensionRange {
  const parts = entry.split("-");
  if (parts.length > 2) throw new ExtensionRangeError(position, entry, "expected a number or first-last");
  const [first, last = first] = parts;
  for (const bound of [first, last]) {
    if (!BOUND.test(bound)) {
      throw new ExtensionRangeError(position, entry, `"${bound}" is not a number of 1 to 15 digits`);
    }
  }
  if (compareLineNumbers(first, last) > 0) {
    throw new ExtensionRangeError(position, entry, `${first} comes after ${last}`);
  }
  return { first, last };
}

/** Writes ranges in the form `parseExtensionRanges` reads: `100-199, 200-249, 300`. */
export function formatExtensionRanges(ranges: readonly ExtensionRange[]): string {
  return ranges.map((range) => range.first === range.last ? range.first : `${range.first}-${range.last}`)
    .join(", ");
}

/**
 * Whether a number lies in one of the ranges. Numbers compare as they sort in the line list (shorter
 * first, then digit by digit), so `100-199` holds 100..199 and not 1000 or 0100. Only digit strings match.
 */
export function inExtensionRanges(ranges: readonly ExtensionRange[], number: string): boolean {
  if (!/^[0-9]+$/.test(number)) return false;
  return ranges.some((range) =>
    compareLineNumbers(range.first, number) <= 0 && compareLineNumbers(number, range.last) <= 0
  );
}

/**
 * Whether a number is internal: in the ranges when ranges are configured; when none are, whether it is a
 * number of a known line (the line store then is the only knowledge of the numbering plan).
 */
export function isInternal(
  ranges: readonly ExtensionRange[],
  number: string,
  knownLine: (number: string) => boolean = () => false,
): boolean {
  return ranges.length > 0 ? inExtensionRanges(ranges, number) : knownLine(number);
}

// What an API token may do with lines: all lines or a list and ranges of them (the extension-range syntax,
// `101, 103-110`), and read access (status, events; opening a line to hear them) or control. Web users and
// tokens without a line scope keep their full access.

import { type ExtensionRange, inExtensionRanges, parseExtensionRanges } from "../lines/extension_ranges.ts";
import { errorText } from "../log/error_text.ts";

export type LineAccess = "read" | "control";

/** A token's line scope as stored: `lines` is `*` or a range list. */
export interface LineScope {
  lines: string;
  access: LineAccess;
}

/** The rights of one request: which lines, and whether it may control calls. */
export class LineRights {
  readonly #ranges: readonly ExtensionRange[] | "all";

  /** Throws ExtensionRangeError for a bad list (refused when the scope is saved). */
  constructor(readonly scope: LineScope, readonly who: string) {
    this.#ranges = scope.lines.trim() === "*" ? "all" : parseExtensionRanges(scope.lines);
  }

  /** Full rights: web sessions, Basic users, tokens without a line scope. */
  static full(who: string): LineRights {
    return new LineRights({ lines: "*", access: "control" }, who);
  }

  get control(): boolean {
    return this.scope.access === "control";
  }

  /** Whether the line is in the scope. */
  covers(line: string): boolean {
    return this.#ranges === "all" || inExtensionRanges(this.#ranges, line);
  }
}

/** Checks a scope before it is saved; returns the reason it is refused, if it is. */
export function lineScopeProblem(scope: LineScope): string | undefined {
  try {
    new LineRights(scope, "");
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

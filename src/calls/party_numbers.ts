// Numbers between the PBX and line API clients: a reported party after the incoming or outgoing rules with
// its canonical form from the location (seed 3.2, 2.6), and a number a client sends turned into what the
// PBX dials (canonical form back to dialable, then the PC dialling rules).

import { type NumberForm, type ParseOptions, PhoneNumberError } from "../lines/number_forms.ts";
import type { NumberRuleList } from "../lines/number_rule.ts";
import type { CallParty } from "./call_event.ts";

/** What the formatting needs: `NumberRuleBook` gives `apply`, `NumberingPlan` gives `format`. */
export interface CallPartyNumbering {
  rules: { apply(list: NumberRuleList, number: string): string | null };
  /** Throws `PhoneNumberError` for what is no phone number. */
  plan: { format(input: string, form: NumberForm, options?: ParseOptions): string | null };
}

/**
 * A party as the PBX named it, for a client: `list` is `incoming` for the remote parties of a call offered
 * to the line, `outgoing` for those of a call it placed, `null` for the line itself (no rule). The canonical
 * form is taken from the number the PBX reported (the location describes the PBX's numbering, rules only
 * the client's view); a suppressed number is empty in both. `withOutsideLineAccess`: the number may start
 * with the outside line code (a number the line dialled).
 */
export function reportedParty(
  numbering: CallPartyNumbering,
  list: "incoming" | "outgoing" | null,
  reported: { number: string; name?: string },
  options: ParseOptions = {},
): CallParty {
  const name = reported.name === undefined || reported.name === "" ? {} : { name: reported.name };
  const number = list === null ? reported.number : numbering.rules.apply(list, reported.number);
  if (number === null || number === "") return { number: "", canonical: "", ...name };
  let canonical: string;
  try {
    canonical = numbering.plan.format(reported.number, "canonical", options) ?? reported.number;
  } catch (error) {
    if (!(error instanceof PhoneNumberError)) throw error;
    canonical = reported.number; // "unknown", letters: shown as the PBX gave them
  }
  return { number, canonical, ...name };
}

/** A number a client sent, as the PBX will dial it, or why it cannot be dialled. */
export type DialledNumber =
  | { ok: true; dialled: string; fromLocation: string }
  | { ok: false; reason: string };

const SEPARATORS = /[\s\-()/.]/g;

/**
 * What the PBX dials for a number a client sent (`to`, `from`, `digits` of lineDial): a canonical or
 * international number (`+49(89)1234-100`, `+4989…`) is first turned into what an extension dials from the
 * location (`fromLocation`), other numbers pass as written without separators; then the PC dialling rules
 * apply (`dialled`). A number the rules suppress is refused.
 */
export function dialledNumber(numbering: CallPartyNumbering, input: string): DialledNumber {
  const trimmed = input.trim();
  let fromLocation: string;
  if (trimmed.startsWith("+")) {
    try {
      fromLocation = numbering.plan.format(trimmed, "dialable") ?? trimmed.replace(SEPARATORS, "");
    } catch (error) {
      if (error instanceof PhoneNumberError) return { ok: false, reason: error.message };
      throw error;
    }
  } else {
    fromLocation = trimmed.replace(SEPARATORS, "");
    if (!/^[0-9*#]{1,32}$/.test(fromLocation)) {
      return {
        ok: false,
        reason: `"${input}" cannot be dialled: up to 32 digits, * and #, or a number starting with +`,
      };
    }
  }
  const dialled = numbering.rules.apply("dialling", fromLocation);
  if (dialled === null || dialled === "") {
    return { ok: false, reason: `the PC dialling rules suppress "${fromLocation}": nothing to dial` };
  }
  return { ok: true, dialled, fromLocation };
}

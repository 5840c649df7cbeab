// The number rules in force: the three lists compiled once when loaded or saved, applied by the line API,
// call records and the UI, and checked against a number before or after saving.

import {
  checkNumberRules,
  type CompiledNumberRule,
  compileNumberRules,
  NUMBER_RULE_LISTS,
  type NumberRule,
  type NumberRuleCheck,
  type NumberRuleList,
} from "./number_rule.ts";
import type { NumberRuleRepository } from "./number_rule_repository.ts";

/** Holds the compiled lists; a list is replaced only after every rule of the new list compiled. */
export class NumberRuleBook {
  #compiled = new Map<NumberRuleList, CompiledNumberRule[]>();

  /**
   * Loads and compiles the stored lists. A stored rule that no longer compiles (e.g. after a limit was
   * tightened) throws `NumberRuleError` here, at start, rather than misbehaving later.
   */
  constructor(private readonly repository: NumberRuleRepository) {
    for (const list of NUMBER_RULE_LISTS) {
      this.#compiled.set(list, compileNumberRules(list, repository.load(list)));
    }
  }

  /** The rules of a list as saved. */
  rules(list: NumberRuleList): NumberRule[] {
    return this.#compiled.get(list)!.map((compiled) => ({ ...compiled.rule }));
  }

  /** Compiles and stores a list; throws `NumberRuleError` and keeps the old list if a rule is bad. */
  save(list: NumberRuleList, rules: readonly NumberRule[]): void {
    const compiled = compileNumberRules(list, rules.map((rule) => ({ ...rule })));
    this.repository.replace(list, compiled.map((entry) => entry.rule));
    this.#compiled.set(list, compiled);
  }

  /** Runs a number through the saved list. */
  check(list: NumberRuleList, number: string): NumberRuleCheck {
    return checkNumberRules(this.#compiled.get(list)!, number);
  }

  /** Runs a number through rules not yet saved (the "Check" field of the rule editor). */
  checkUnsaved(list: NumberRuleList, rules: readonly NumberRule[], number: string): NumberRuleCheck {
    return checkNumberRules(compileNumberRules(list, rules), number);
  }

  /** The number to use after the list's rules, or `null` when a rule suppresses it. */
  apply(list: NumberRuleList, number: string): string | null {
    const check = this.check(list, number);
    return check.suppressed ? null : check.result;
  }
}

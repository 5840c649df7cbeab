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

  /** Reads nothing yet: each list is loaded and compiled at its first use, once the store is open. */
  constructor(private readonly repository: NumberRuleRepository) {}

  /**
   * Loads and compiles every stored list now (call at start). A stored rule that no longer compiles, e.g.
   * after a limit was tightened, throws `NumberRuleError` here rather than misbehaving later.
   */
  load(): void {
    for (const list of NUMBER_RULE_LISTS) {
      this.#compiled.set(list, compileNumberRules(list, this.repository.load(list)));
    }
  }

  /** The rules of a list as saved. */
  rules(list: NumberRuleList): NumberRule[] {
    return this.#list(list).map((compiled) => ({ ...compiled.rule }));
  }

  /** Compiles and stores a list; throws `NumberRuleError` and keeps the old list if a rule is bad. */
  save(list: NumberRuleList, rules: readonly NumberRule[]): void {
    const compiled = compileNumberRules(list, rules.map((rule) => ({ ...rule })));
    this.repository.replace(list, compiled.map((entry) => entry.rule));
    this.#compiled.set(list, compiled);
  }

  /** Runs a number through the saved list. */
  check(list: NumberRuleList, number: string): NumberRuleCheck {
    return checkNumberRules(this.#list(list), number);
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

  #list(list: NumberRuleList): CompiledNumberRule[] {
    let compiled = this.#compiled.get(list);
    if (!compiled) {
      compiled = compileNumberRules(list, this.repository.load(list));
      this.#compiled.set(list, compiled);
    }
    return compiled;
  }
}

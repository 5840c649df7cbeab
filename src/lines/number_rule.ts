// Search-and-replace number rules (estos "Phone Number Format"): compiled when saved, then applied first
// match wins, no match passes the number unchanged, an empty result suppresses the number.

import { analysePattern, DEFAULT_PATTERN_LIMITS, PatternError, type PatternLimits } from "./regex_guard.ts";
import { errorText } from "../log/error_text.ts";

/** The three ordered lists: numbers the PBX reports for incoming and outgoing calls, and numbers dialled. */
export type NumberRuleList = "incoming" | "outgoing" | "dialling";

export const NUMBER_RULE_LISTS: readonly NumberRuleList[] = ["incoming", "outgoing", "dialling"];

/**
 * One rule. With `regex` the pattern is a regular expression (syntax in regex_guard.ts) and the replacement
 * may use `\1`..`\9` for its groups and `\\` for a backslash; without it the pattern must equal the whole
 * number and the replacement is literal text. An empty replacement suppresses the number.
 */
export interface NumberRule {
  pattern: string;
  regex: boolean;
  replacement: string;
}

// Bounds on administrator input: every number is checked against each rule of its list in turn, so the
// list length bounds the work per number; both are far above what a site needs.
export const REPLACEMENT_MAX = 64;
export const NUMBER_RULES_PER_LIST_MAX = 200;

/** A rule was refused; `index` is 0-based, the message counts from 1 as the rule list on screen does. */
export class NumberRuleError extends Error {
  override readonly name = "NumberRuleError";
  constructor(
    readonly list: NumberRuleList,
    readonly index: number,
    readonly field: "pattern" | "replacement" | "rules",
    readonly reason: string,
  ) {
    super(`${list} rule ${index + 1}, ${field}: ${reason}`);
  }
}

type TemplatePart = { text: string } | { group: number };

export interface CompiledNumberRule {
  readonly rule: NumberRule;
  readonly matcher: RegExp;
  readonly template: readonly TemplatePart[];
}

/** The outcome of running a number through a list: which rule matched (0-based) and what came out. */
export interface NumberRuleCheck {
  number: string;
  matched: number | null;
  result: string;
  suppressed: boolean;
  /** Set when the number is longer than rules are applied to; it then passes unchanged. */
  tooLong?: boolean;
}

/** Compiles one rule or throws `NumberRuleError` naming its list, position and field. */
export function compileNumberRule(
  rule: NumberRule,
  list: NumberRuleList,
  index: number,
  limits: PatternLimits = DEFAULT_PATTERN_LIMITS,
): CompiledNumberRule {
  const fail = (field: "pattern" | "replacement", reason: string) =>
    new NumberRuleError(list, index, field, reason);
  if (rule.pattern === "") throw fail("pattern", "the pattern is empty");
  let source = `^${escapeRegExp(rule.pattern)}$`;
  let groups = 0;
  if (rule.regex) {
    try {
      groups = analysePattern(rule.pattern, limits).groups;
      source = rule.pattern;
    } catch (error) {
      if (error instanceof PatternError) throw fail("pattern", error.message);
      throw error;
    }
  } else if (rule.pattern.length > limits.maxPatternLength) {
    throw fail("pattern", `longer than ${limits.maxPatternLength} characters`);
  }
  let matcher: RegExp;
  try {
    matcher = new RegExp(source);
  } catch (error) {
    throw fail("pattern", errorText(error));
  }
  const template = rule.regex
    ? parseTemplate(rule.replacement, groups, fail)
    : literal(rule.replacement, fail);
  return { rule, matcher, template };
}

/** Compiles a whole list; the first bad rule refuses the list. */
export function compileNumberRules(
  list: NumberRuleList,
  rules: readonly NumberRule[],
  limits: PatternLimits = DEFAULT_PATTERN_LIMITS,
): CompiledNumberRule[] {
  if (rules.length > NUMBER_RULES_PER_LIST_MAX) {
    throw new NumberRuleError(
      list,
      NUMBER_RULES_PER_LIST_MAX,
      "rules",
      `more than ${NUMBER_RULES_PER_LIST_MAX} rules`,
    );
  }
  return rules.map((rule, index) => compileNumberRule(rule, list, index, limits));
}

/**
 * Runs a number through compiled rules: the first rule whose pattern matches gives the result (its
 * replacement with the groups filled in, not the number with the match replaced); no match returns the
 * number unchanged; an empty result means the number is suppressed.
 */
export function checkNumberRules(
  rules: readonly CompiledNumberRule[],
  number: string,
  limits: PatternLimits = DEFAULT_PATTERN_LIMITS,
): NumberRuleCheck {
  if (number.length > limits.maxInputLength) {
    return { number, matched: null, result: number, suppressed: false, tooLong: true };
  }
  for (let index = 0; index < rules.length; index++) {
    const match = rules[index].matcher.exec(number);
    if (!match) continue;
    const result = expand(rules[index].template, match);
    return { number, matched: index, result, suppressed: result === "" };
  }
  return { number, matched: null, result: number, suppressed: false };
}

function expand(template: readonly TemplatePart[], match: RegExpExecArray): string {
  return template.map((part) => "text" in part ? part.text : match[part.group] ?? "").join("");
}

function parseTemplate(
  replacement: string,
  groups: number,
  fail: (field: "replacement", reason: string) => NumberRuleError,
): TemplatePart[] {
  checkReplacementText(replacement, fail);
  const parts: TemplatePart[] = [];
  let text = "";
  for (let i = 0; i < replacement.length; i++) {
    const char = replacement[i];
    if (char !== "\\") {
      text += char;
      continue;
    }
    const next = replacement[++i];
    if (next === "\\") {
      text += "\\";
    } else if (next !== undefined && /[1-9]/.test(next)) {
      const group = Number(next);
      if (group > groups) {
        throw fail("replacement", `\\${group} refers to group ${group}, but the pattern has ${groups}`);
      }
      if (text !== "") parts.push({ text });
      text = "";
      parts.push({ group });
    } else {
      throw fail(
        "replacement",
        `"\\${next ?? ""}" at character ${i}: use \\1..\\9 for groups, \\\\ for a backslash`,
      );
    }
  }
  if (text !== "") parts.push({ text });
  return parts;
}

function literal(
  replacement: string,
  fail: (field: "replacement", reason: string) => NumberRuleError,
): TemplatePart[] {
  checkReplacementText(replacement, fail);
  return replacement === "" ? [] : [{ text: replacement }];
}

function checkReplacementText(
  replacement: string,
  fail: (field: "replacement", reason: string) => NumberRuleError,
): void {
  if (replacement.length > REPLACEMENT_MAX) {
    throw fail("replacement", `longer than ${REPLACEMENT_MAX} characters`);
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(replacement)) throw fail("replacement", "contains a control character");
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

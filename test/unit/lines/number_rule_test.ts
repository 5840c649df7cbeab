import assert from "node:assert/strict";
import {
  checkNumberRules,
  compileNumberRule,
  compileNumberRules,
  type NumberRule,
  NumberRuleError,
} from "../../../src/lines/number_rule.ts";
import { MANUAL_EXAMPLES } from "./manual_examples.ts";

Deno.test("the seven estos manual examples: each changes its number and passes another unchanged", () => {
  for (const example of MANUAL_EXAMPLES) {
    const rules = compileNumberRules("incoming", [{
      pattern: example.pattern,
      regex: true,
      replacement: example.replacement,
    }]);
    const [number, expected] = example.matching;
    assert.deepEqual(checkNumberRules(rules, number), {
      number,
      matched: 0,
      result: expected ?? "",
      suppressed: expected === null,
    }, example.purpose);
    assert.deepEqual(checkNumberRules(rules, example.passing), {
      number: example.passing,
      matched: null,
      result: example.passing,
      suppressed: false,
    }, example.purpose);
  }
});

Deno.test("the first matching rule wins and later rules are not consulted", () => {
  const rules = compileNumberRules("incoming", [
    { pattern: "^[0-9][0-9][0-9]$", regex: true, replacement: "" },
    { pattern: "^([0-9][0-9]?[0-9]?)$", regex: true, replacement: "03012345\\1" },
    { pattern: "^0(.*)", regex: true, replacement: "\\1" },
  ]);
  assert.deepEqual(checkNumberRules(rules, "123"), {
    number: "123",
    matched: 0,
    result: "",
    suppressed: true,
  });
  assert.equal(checkNumberRules(rules, "12").matched, 1);
  assert.equal(checkNumberRules(rules, "0301234").result, "301234");
  assert.equal(checkNumberRules(rules, "4711").matched, null);
});

Deno.test("the result is the replacement, not the number with its matched part replaced", () => {
  const rules = compileNumberRules("outgoing", [{ pattern: "152$", regex: true, replacement: "X\\\\" }]);
  assert.equal(checkNumberRules(rules, "49152").result, "X\\");
});

Deno.test("a plain-text rule matches the whole number only and replaces it literally", () => {
  const rules = compileNumberRules("dialling", [{ pattern: "1.0", regex: false, replacement: "\\1 0800" }]);
  assert.equal(checkNumberRules(rules, "1.0").result, "\\1 0800");
  assert.equal(checkNumberRules(rules, "110").matched, null);
  assert.equal(checkNumberRules(rules, "1.01").matched, null);
});

Deno.test("a bad rule is refused with its list, its position and the field", () => {
  const good: NumberRule = { pattern: "^0(.*)", regex: true, replacement: "\\1" };
  const cases: [NumberRule, "pattern" | "replacement", RegExp][] = [
    [{ pattern: "^0(.*", regex: true, replacement: "" }, "pattern", /unclosed parenthesis/],
    [{ pattern: "", regex: false, replacement: "1" }, "pattern", /empty/],
    [{ pattern: "^(0+)+$", regex: true, replacement: "" }, "pattern", /exponential/],
    [{ pattern: "^0(.*)", regex: true, replacement: "\\2" }, "replacement", /group 2, but the pattern has 1/],
    [{ pattern: "^0(.*)", regex: true, replacement: "\\x" }, "replacement", /use \\1..\\9/],
    [{ pattern: "^0(.*)", regex: true, replacement: "a\nb" }, "replacement", /control character/],
    [{ pattern: "^0", regex: true, replacement: "1".repeat(65) }, "replacement", /longer than 64/],
  ];
  for (const [bad, field, reason] of cases) {
    assert.throws(
      () => compileNumberRules("dialling", [good, good, bad]),
      (error) =>
        error instanceof NumberRuleError && error.list === "dialling" && error.index === 2 &&
        error.field === field &&
        reason.test(error.message) && error.message.startsWith("dialling rule 3, " + field),
      bad.pattern + " -> " + bad.replacement,
    );
  }
});

Deno.test("a group that did not take part in the match fills in as empty text", () => {
  const rule = compileNumberRule(
    { pattern: "^(1)?(2)", regex: true, replacement: "[\\1|\\2]" },
    "incoming",
    0,
  );
  assert.equal(checkNumberRules([rule], "2").result, "[|2]");
});

Deno.test("numbers longer than rules are applied to pass unchanged and say so", () => {
  const rules = compileNumberRules("incoming", [{ pattern: "^0(.*)", regex: true, replacement: "\\1" }]);
  const long = "0" + "1".repeat(64);
  assert.deepEqual(checkNumberRules(rules, long), {
    number: long,
    matched: null,
    result: long,
    suppressed: false,
    tooLong: true,
  });
});

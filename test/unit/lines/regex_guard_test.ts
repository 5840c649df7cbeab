import assert from "node:assert/strict";
import fc from "fast-check";
import { analysePattern, PatternError } from "../../../src/lines/regex_guard.ts";

Deno.test("patterns of the accepted syntax pass with their group count", () => {
  const table: [string, number][] = [
    ["^0(.*)", 1],
    ["^50[0-9][0-9][0-9](.*)", 1],
    ["^([0-9][0-9]?[0-9]?)$", 1],
    ["^(?:0|00)?(49)(\\d+)$", 2],
    ["152$", 0],
    ["^\\+49(.*)", 1],
    ["^[0-9]{3,5}$", 0],
    ["^(12)+$", 1],
    ["8|9", 0],
    ["^[^0-8\\]]\\b", 0],
  ];
  for (const [pattern, groups] of table) assert.equal(analysePattern(pattern).groups, groups, pattern);
});

Deno.test("patterns that can backtrack exponentially or use unsupported syntax are refused with the place", () => {
  const table: [string, number, RegExp][] = [
    ["^(0+)+$", 1, /must not itself repeat/],
    ["^(1|12)*$", 1, /must not itself repeat or alternate/],
    ["^(a*)*", 1, /must not itself repeat/],
    ["^(0)\\1", 4, /back-reference/],
    ["^(?=0)", 1, /lookaround/],
    ["^(?<n>0)", 1, /named groups/],
    ["^[0-9", 1, /unclosed \[/],
    ["^[]", 1, /empty character class/],
    ["^0[9-0]", 3, /range 9-0 is out of order/],
    ["0)", 1, /unmatched closing/],
    ["*0", 0, /nothing to repeat/],
    ["^*", 0, /anchor .* cannot be repeated/],
    ["0{2,1}", 1, /backwards/],
    ["0{100}", 1, /repetition above 64/],
    ["0{", 1, /malformed/],
    ["\\n", 0, /escape \\n is not supported/],
    ["0\\", 1, /ends with a backslash/],
  ];
  for (const [pattern, offset, reason] of table) {
    assert.throws(
      () => analysePattern(pattern),
      (error) => error instanceof PatternError && error.offset === offset && reason.test(error.message),
      pattern,
    );
  }
});

Deno.test("work grows with repetitions and start positions; beyond the limit the pattern is refused", () => {
  assert.equal(analysePattern("^0(.*)").work, 65);
  assert.equal(analysePattern("0(.*)").work, 65 * 65);
  assert.equal(analysePattern("^(.*)(.*)(.*)$").work, 65 ** 3);
  assert.throws(() => analysePattern("(.*)(.*)(.*)"), /too complex: up to 17850625 matching steps/);
  assert.throws(() => analysePattern("x".repeat(201)), /longer than 200/);
});

Deno.test("whatever the guard accepts, JavaScript compiles with the same number of groups (property)", () => {
  const token = fc.constantFrom(
    "0",
    "1",
    "a",
    "(",
    ")",
    "(?:",
    "[",
    "]",
    "^",
    "$",
    ".",
    "*",
    "+",
    "?",
    "{2}",
    "{1,3}",
    "{",
    "}",
    ",",
    "|",
    "\\",
    "\\d",
    "-",
    ":",
    "=",
    "!",
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 12 }).map((tokens) => tokens.join("")), (pattern) => {
      let groups: number;
      try {
        groups = analysePattern(pattern).groups;
      } catch (error) {
        if (error instanceof PatternError) return;
        throw error;
      }
      const compiled = new RegExp(pattern);
      assert.equal(new RegExp(compiled.source + "|").exec("")!.length - 1, groups, pattern);
    }),
    { numRuns: 3000 },
  );
});

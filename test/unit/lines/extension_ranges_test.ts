import assert from "node:assert/strict";
import {
  ExtensionRangeError,
  formatExtensionRanges,
  inExtensionRanges,
  isInternal,
  parseExtensionRanges,
} from "../../../src/lines/extension_ranges.ts";

Deno.test("ranges are read from commas, semicolons or spaces, single numbers included", () => {
  assert.deepEqual(parseExtensionRanges(" 100-199, 200 - 249;300  500-599 "), [
    { first: "100", last: "199" },
    { first: "200", last: "249" },
    { first: "300", last: "300" },
    { first: "500", last: "599" },
  ]);
  assert.deepEqual(parseExtensionRanges(""), []);
});

Deno.test("formatting gives back the text form that parses to the same ranges", () => {
  const ranges = parseExtensionRanges("100-199,300;1000-1099");
  assert.equal(formatExtensionRanges(ranges), "100-199, 300, 1000-1099");
  assert.deepEqual(parseExtensionRanges(formatExtensionRanges(ranges)), ranges);
});

Deno.test("a bad entry is refused with its position and reason", () => {
  const cases: [string, number, RegExp][] = [
    ["100-199, 250-200", 2, /250 comes after 200/],
    ["100-199, 2a0", 2, /not a number/],
    ["1-2-3", 1, /first-last/],
    ["100-", 1, /not a number/],
    ["9999-100", 1, /comes after/],
  ];
  for (const [text, position, reason] of cases) {
    assert.throws(
      () => parseExtensionRanges(text),
      (error) =>
        error instanceof ExtensionRangeError && error.position === position && reason.test(error.message),
      text,
    );
  }
});

Deno.test("membership compares like the line list orders: 100-199 holds 100..199, not 1000 or 0100", () => {
  const ranges = parseExtensionRanges("100-199, 200-249, 3000");
  const table: [string, boolean][] = [
    ["100", true],
    ["150", true],
    ["199", true],
    ["249", true],
    ["250", false],
    ["99", false],
    ["1000", false],
    ["0100", false],
    ["3000", true],
    ["3001", false],
    ["1*1", false],
  ];
  for (const [number, expected] of table) assert.equal(inExtensionRanges(ranges, number), expected, number);
});

Deno.test("without ranges, internal means a known line; with ranges, the ranges decide", () => {
  const known = (number: string) => number === "555";
  assert.equal(isInternal([], "555", known), true);
  assert.equal(isInternal([], "101", known), false);
  assert.equal(isInternal(parseExtensionRanges("100-199"), "101", known), true);
  assert.equal(isInternal(parseExtensionRanges("100-199"), "555", known), false);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { checkLineNumber, LineValueError } from "../../../src/lines/line.ts";
import { formatLineText, parseLineText } from "../../../src/lines/line_text.ts";

Deno.test("the text form: number first, optional name after the first comma, blanks and # ignored", () => {
  const text =
    "\uFEFF# exported lines\r\n101,Reception\r\n\r\n  102 , Smith, John  \n103\n   # indented comment\n104,\n";
  assert.deepEqual(parseLineText(text), {
    entries: [
      { row: 2, number: "101", name: "Reception" },
      { row: 4, number: "102", name: "Smith, John" },
      { row: 5, number: "103" },
      { row: 7, number: "104", name: "" },
    ],
    problems: [],
  });
});

Deno.test("every bad row is reported with its row number, its text and the reason", () => {
  const { problems } = parseLineText("101,A\n10x,B\n\n102,C\n101,Again\n103,Tab\there\n");
  assert.deepEqual(problems.map(({ row, text }) => ({ row, text })), [
    { row: 2, text: "10x,B" },
    { row: 5, text: "101,Again" },
    { row: 6, text: "103,Tab\there" },
  ]);
  assert.match(problems[0].reason, /not an internal number/);
  assert.match(problems[1].reason, /already on row 1/);
  assert.match(problems[2].reason, /control character/);
});

Deno.test("a line without a name is written without a comma", () => {
  assert.equal(
    formatLineText([{ number: "101", name: "A, B" }, { number: "102", name: "" }]),
    "101,A, B\n102\n",
  );
});

const lineNumber = fc.stringMatching(/^[0-9*][0-9*#]{0,19}$/);
// Names as the store keeps them: printable, trimmed, at most 64 characters, commas and # included.
const lineName = fc.string({ unit: fc.constantFrom(..."abcXYZ äöü-_.,#()/'1 "), maxLength: 64 })
  .map((name) => name.trim());

Deno.test("format then parse gives back the same numbers and names (property)", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ number: lineNumber, name: lineName }).map((line) => ({ ...line })), {
        selector: (line) => line.number,
        maxLength: 50,
      }),
      (lines) => {
        const parsed = parseLineText(formatLineText(lines));
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(parsed.entries.map(({ number, name }) => ({ number, name: name ?? "" })), lines);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a number may not begin with #, which would make its exported row a comment", () => {
  assert.deepEqual(parseLineText("101\n1#2\n*21#\n").entries.map((entry) => entry.number), [
    "101",
    "1#2",
    "*21#",
  ]);
  assert.throws(() => checkLineNumber("#12"), LineValueError);
});

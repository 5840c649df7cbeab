import assert from "node:assert/strict";
import fc from "fast-check";
import { formatNameCsv, normaliseDirectoryNumber, parseNameCsv } from "../../../src/smdr/name_csv.ts";

Deno.test("a CSV with a header, quoted names and blank rows is read row by row", () => {
  const csv = 'number,name\r\n\r\n+49 (30) 1234-5,"Smith, John"\r\n0791234,"Say ""hi"""\r\n';
  assert.deepEqual(parseNameCsv(csv), {
    entries: [{ number: "+493012345", name: "Smith, John" }, { number: "0791234", name: 'Say "hi"' }],
    problems: [],
  });
});

Deno.test("semicolon-separated rows are read when the first row has no comma", () => {
  assert.deepEqual(parseNameCsv("0301;Anna\n0302;Ben\n").entries, [
    { number: "0301", name: "Anna" },
    { number: "0302", name: "Ben" },
  ]);
});

Deno.test("every bad row is reported with its row number, text and reason", () => {
  const csv = ["number,name", "0301,Anna", "abc-!,Ben", "0302", "0301,Again", '0303,"open', "0304,"].join(
    "\n",
  );
  const { problems } = parseNameCsv(csv);
  assert.deepEqual(problems.map((p) => p.row), [3, 4, 5, 6, 7]);
  assert.match(problems[0].reason, /only digits, letters/);
  assert.match(problems[1].reason, /expected 2 columns/);
  assert.match(problems[2].reason, /already on row 2/);
  assert.match(problems[3].reason, /not closed/);
  assert.match(problems[4].reason, /name is empty/);
  assert.equal(problems[1].text, "0302");
});

Deno.test("numbers are keyed without spaces and separators", () => {
  assert.equal(normaliseDirectoryNumber(" +44 (161) 555-12.34/5 "), "+441615551234" + "5");
});

Deno.test("property: exporting entries and reading them back gives the same entries", () => {
  const entry = fc.record({
    number: fc.stringMatching(/^\+?[0-9A-Z*#]{1,32}$/),
    name: fc.string({ minLength: 1, maxLength: 64 }).filter((s) =>
      s.trim() === s && s !== "" && !/\p{Cc}/u.test(s)
    ),
  });
  fc.assert(
    fc.property(fc.uniqueArray(entry, { selector: (e) => e.number, maxLength: 30 }), (entries) => {
      const parsed = parseNameCsv(formatNameCsv(entries, "number"));
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(parsed.entries, entries.map((e) => ({ ...e })));
    }),
    { numRuns: 300 },
  );
});

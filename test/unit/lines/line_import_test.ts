import assert from "node:assert/strict";
import fc from "fast-check";
import { importLineText } from "../../../src/lines/line_import.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { formatLineText } from "../../../src/lines/line_text.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

Deno.test("an import with one bad row reports that row and changes nothing", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    lines.create({ number: "101", name: "Old name" });
    const before = lines.list();
    const result = importLineText(lines, "101,New name\n102,Second\n1O3,Typo with letter O\n104\n", "merge");
    assert.deepEqual(
      result.ok || !("rows" in result) ? [] : result.rows.map(({ row, text }) => ({ row, text })),
      [
        { row: 3, text: "1O3,Typo with letter O" },
      ],
    );
    assert.equal(result.ok, false);
    assert.deepEqual(lines.list(), before);
  } finally {
    await temp.close();
  }
});

Deno.test("merge adds new numbers, renames where a name is given and keeps the rest", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    lines.create({ number: "101", name: "Keep", kind: "group", deviceNumber: 7 });
    lines.create({ number: "102", name: "Rename me" });
    lines.create({ number: "109", name: "Not in file" });
    const result = importLineText(lines, "101\n102,Renamed\n103,New\n", "merge");
    assert.deepEqual(result, {
      ok: true,
      added: ["103"],
      changed: ["102"],
      unchanged: 1,
      removed: [],
      renamed: [{ number: "102", from: "Rename me", to: "Renamed" }],
      addedNames: { "103": "New" },
      removedNames: {},
    });
    assert.deepEqual(lines.list().map(({ number, name, kind }) => [number, name, kind]), [
      ["101", "Keep", "group"],
      ["102", "Renamed", "extension"],
      ["103", "New", "extension"],
      ["109", "Not in file", "extension"],
    ]);
    assert.equal(lines.get("101")?.deviceNumber, 7);
  } finally {
    await temp.close();
  }
});

Deno.test("replace makes the store hold exactly the file, keeping kind and device number of lines that stay; its preview says so and writes nothing", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    lines.create({ number: "101", name: "Named", kind: "trunk", deviceNumber: 7 });
    lines.create({ number: "109" });
    const before = lines.list();
    const expected = {
      ok: true,
      added: ["103"],
      changed: ["101"],
      unchanged: 0,
      removed: ["109"],
      renamed: [{ number: "101", from: "Named", to: "" }],
      addedNames: { "103": "New" },
      removedNames: { "109": "" },
    };
    assert.deepEqual(importLineText(lines, "101\n103,New\n", "replace", { preview: true }), expected);
    assert.deepEqual(lines.list(), before, "a preview writes nothing");
    const result = importLineText(lines, "101\n103,New\n", "replace");
    assert.deepEqual(result, expected);
    assert.deepEqual(lines.get("101"), {
      number: "101",
      name: "",
      kind: "trunk",
      deviceNumber: 7,
      enabled: true,
      missingFromPbx: false,
    });
    assert.equal(lines.count(), 2);
  } finally {
    await temp.close();
  }
});

Deno.test("export then import into an empty store then export again is identity (property)", async () => {
  const temp = await openTempDatabase();
  try {
    const source = new LineRepository(() => temp.db);
    const target = new LineRepository(temp.another());
    const name = fc.string({ unit: fc.constantFrom(..."abc äöü-,#'1 "), maxLength: 64 }).map((s) => s.trim());
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ number: fc.stringMatching(/^[0-9*][0-9*#]{0,5}$/), name }), {
          selector: (line) => line.number,
          maxLength: 30,
        }),
        (entries) => {
          source.removeAll();
          target.removeAll();
          for (const entry of entries) source.create(entry);
          const exported = formatLineText(source.list());
          const result = importLineText(target, exported, "replace");
          assert.equal(result.ok, true);
          assert.equal(formatLineText(target.list()), exported);
          assert.deepEqual(
            target.list().map(({ number, name }) => ({ number, name })),
            source.list().map(({ number, name }) => ({ number, name })),
          );
        },
      ),
      { numRuns: 100 },
    );
  } finally {
    await temp.close();
  }
});

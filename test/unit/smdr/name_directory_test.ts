import assert from "node:assert/strict";
import { NameDirectory } from "../../../src/smdr/name_directory.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

Deno.test("contacts: an import replaces the directory and lookups find names by any written form", async () => {
  const store = await openTempDatabase();
  const contacts = new NameDirectory("contacts", () => store.db);
  const result = contacts.importCsv("number,name\n+44 161 555 0100,Chris R Mobile\n#31#0301,Hidden Anna\n");
  assert.deepEqual(result, { ok: true, added: 2, changed: 0, unchanged: 0, removed: 0, total: 2 });
  assert.equal(contacts.nameFor("+441615550100"), "Chris R Mobile");
  assert.equal(contacts.nameFor("+44 (161) 555-0100"), "Chris R Mobile");
  assert.equal(contacts.nameFor("#31#0301"), "Hidden Anna");
  assert.equal(contacts.nameFor("0999"), undefined);
  assert.equal(contacts.nameFor(undefined), undefined);
  await store.close();
});

Deno.test("an import with one bad row applies nothing and reports the row", async () => {
  const store = await openTempDatabase();
  const contacts = new NameDirectory("contacts", () => store.db);
  contacts.importCsv("0301,Anna\n");
  const result = contacts.importCsv("0302,Ben\n0303\n0304,Cleo\n");
  assert.deepEqual(result, {
    ok: false,
    rows: [{ row: 2, text: "0303", reason: "expected 2 columns (number, name), found 1" }],
  });
  assert.deepEqual(contacts.list(), [{ number: "0301", name: "Anna" }]);
  await store.close();
});

Deno.test("merge adds and renames and keeps the rest; replace removes what the file lacks", async () => {
  const store = await openTempDatabase();
  const ddi = new NameDirectory("ddiNames", () => store.db);
  ddi.importCsv("ddi,name\n100,Sales\n200,Support\n");
  assert.deepEqual(ddi.importCsv("300,Billing\n200,Help desk\n100,Sales\n", "merge"), {
    ok: true,
    added: 1,
    changed: 1,
    unchanged: 1,
    removed: 0,
    total: 3,
  });
  assert.deepEqual(ddi.importCsv("300,Billing\n", "replace"), {
    ok: true,
    added: 0,
    changed: 0,
    unchanged: 1,
    removed: 2,
    total: 1,
  });
  await store.close();
});

Deno.test("the export reads back to the same directory, and survives a reopened store", async () => {
  const store = await openTempDatabase();
  const contacts = new NameDirectory("contacts", () => store.db);
  contacts.importEntries([{ number: "0301", name: 'Smith, "JJ"' }, { number: "0302", name: "Jörg" }]);
  const exported = contacts.exportCsv();
  assert.equal(exported, 'number,name\r\n0301,"Smith, ""JJ"""\r\n0302,Jörg\r\n');
  store.reopen();
  assert.equal(contacts.nameFor("0302"), "Jörg");
  const other = new NameDirectory("ddiNames", () => store.db);
  assert.equal(other.importCsv(exported).ok, true);
  assert.deepEqual(other.list(), contacts.list());
  await store.close();
});

Deno.test("entries given as values are checked like CSV rows", async () => {
  const store = await openTempDatabase();
  const contacts = new NameDirectory("contacts", () => store.db);
  const result = contacts.importEntries([{ number: "0301", name: "A" }, { number: "03 01", name: "B" }]);
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.rows.map((r) => [r.row, r.reason]), [[
    2,
    "number 0301 is already on row 1",
  ]]);
  assert.equal(contacts.size(), 0);
  await store.close();
});

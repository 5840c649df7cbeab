import assert from "node:assert/strict";
import { LineValueError } from "../../../src/lines/line.ts";
import { LineRepository, LineStoreError } from "../../../src/lines/line_repository.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

Deno.test("a created line is read back with its defaults and survives reopening the store", async () => {
  const temp = await openTempDatabase();
  try {
    new LineRepository(() => temp.db).create({ number: "101", name: "Reception", deviceNumber: 65 });
    const reopened = new LineRepository(temp.another());
    assert.deepEqual(reopened.get("101"), {
      number: "101",
      name: "Reception",
      kind: "extension",
      deviceNumber: 65,
      enabled: true,
      missingFromPbx: false,
    });
  } finally {
    await temp.close();
  }
});

Deno.test("creating a number that exists is a duplicate error and keeps the first line", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    lines.create({ number: "101", name: "A" });
    assert.throws(
      () => lines.create({ number: "101", name: "B" }),
      (error) => error instanceof LineStoreError && error.code === "duplicate",
    );
    assert.equal(lines.get("101")?.name, "A");
  } finally {
    await temp.close();
  }
});

Deno.test("update changes only the given fields and refuses unknown numbers", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    lines.create({ number: "101", name: "A", kind: "group" });
    assert.deepEqual(lines.update("101", { enabled: false }), {
      number: "101",
      name: "A",
      kind: "group",
      deviceNumber: null,
      enabled: false,
      missingFromPbx: false,
    });
    assert.throws(
      () => lines.update("999", { name: "X" }),
      (error) => error instanceof LineStoreError && error.code === "not-found",
    );
  } finally {
    await temp.close();
  }
});

Deno.test("bad values are refused naming the field", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        if (error instanceof LineValueError) return error.field;
        throw error;
      }
      return "accepted";
    };
    assert.equal(fieldOf(() => lines.create({ number: "10a" })), "number");
    assert.equal(fieldOf(() => lines.create({ number: "" })), "number");
    assert.equal(fieldOf(() => lines.create({ number: "101", name: "x".repeat(65) })), "name");
    assert.equal(fieldOf(() => lines.create({ number: "101", name: "a\tb" })), "name");
    assert.equal(fieldOf(() => lines.create({ number: "101", deviceNumber: -1 })), "deviceNumber");
    assert.equal(fieldOf(() => lines.create({ number: "101", deviceNumber: 1.5 })), "deviceNumber");
    assert.equal(lines.count(), 0);
  } finally {
    await temp.close();
  }
});

Deno.test("lines list in numbering order: shorter numbers first", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    for (const number of ["1000", "200", "99", "100", "*1"]) lines.create({ number });
    assert.deepEqual(lines.list().map((line) => line.number), ["*1", "99", "100", "200", "1000"]);
  } finally {
    await temp.close();
  }
});

Deno.test("a transaction that throws leaves no write behind", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    assert.throws(() =>
      lines.transaction(() => {
        lines.create({ number: "101" });
        lines.transaction(() => lines.create({ number: "102" }));
        throw new Error("abort");
      }), /abort/);
    assert.equal(lines.count(), 0);
  } finally {
    await temp.close();
  }
});

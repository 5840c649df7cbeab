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

Deno.test("whether a number is a line is answered from memory, and every write through any repository on the connection is seen at once", async () => {
  const temp = await openTempDatabase();
  try {
    let reads = 0;
    const counting = new Proxy(temp.db, {
      get(target, key) {
        if (key === "prepare") return (sql: string) => (reads++, target.prepare(sql));
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const lines = new LineRepository(() => temp.db);
    const other = new LineRepository(() => temp.db); // e.g. the lines API's
    lines.create({ number: "101" });
    assert.equal(lines.has("101"), true);
    assert.equal(lines.has("102"), false);

    const asking = new LineRepository(() => counting);
    for (let i = 0; i < 100; i++) asking.has(i % 2 ? "101" : "102");
    assert.equal(reads, 1, "the numbers read once, then no read of the store per question");

    other.create({ number: "102" });
    assert.equal(lines.has("102"), true, "a write through another repository");
    other.update("102", { name: "Sales" });
    other.remove("101");
    assert.equal(lines.has("101"), false, "a removal");
    assert.throws(() =>
      other.transaction(() => {
        other.put({ number: "103" });
        assert.equal(lines.has("103"), true, "inside the transaction: the store as it stands");
        throw new Error("import refused");
      })
    );
    assert.equal(lines.has("103"), false, "a rolled-back write leaves no number behind");
    other.transaction(() => other.removeAll());
    assert.equal(lines.has("102"), false, "removing every line");
  } finally {
    await temp.close();
  }
});

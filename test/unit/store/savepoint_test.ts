import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { withSavepoint } from "../../../src/store/savepoint.ts";

Deno.test("savepoints nest: an inner failure undoes only its own writes, an outer failure undoes all", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (v TEXT)");
  const insert = (v: string) => db.prepare("INSERT INTO t (v) VALUES (?)").run(v);
  const values = () =>
    (db.prepare("SELECT v FROM t ORDER BY rowid").all() as { v: string }[]).map((r) => r.v);
  withSavepoint(db, () => {
    insert("outer");
    assert.throws(() =>
      withSavepoint(db, () => {
        insert("inner");
        throw new Error("inner fails");
      })
    );
    withSavepoint(db, () => insert("second"));
  });
  assert.deepEqual(values(), ["outer", "second"]);
  assert.throws(() =>
    withSavepoint(db, () => {
      withSavepoint(db, () => insert("kept by inner, undone by outer"));
      throw new Error("outer fails");
    })
  );
  assert.deepEqual(values(), ["outer", "second"]);
  assert.equal(db.isTransaction, false, "no transaction left open");
  db.close();
});

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  migrate,
  MigrationError,
  openDatabase,
  SchemaTooNewError,
  schemaVersion,
} from "../../../src/store/database.ts";
import type { Migration } from "../../../src/store/migration.ts";
import { migrations } from "../../../src/store/migrations.ts";

const v1: Migration = {
  version: 1,
  name: "lines",
  up: (db) => db.exec("CREATE TABLE line (number TEXT PRIMARY KEY)"),
};
const v2: Migration = {
  version: 2,
  name: "line names",
  up: (db) => db.exec("ALTER TABLE line ADD COLUMN name TEXT NOT NULL DEFAULT ''"),
};

Deno.test("a new database is created in WAL mode at the newest schema", async () => {
  const path = join(await Deno.makeTempDir(), "cstabox.db");
  const db = openDatabase(path);
  const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
  assert.equal(mode.journal_mode, "wal");
  assert.equal(schemaVersion(db), migrations.at(-1)!.version);
  db.close();
});

Deno.test("an old database is upgraded and keeps its rows", async () => {
  const path = join(await Deno.makeTempDir(), "old.db");
  const old = openDatabase(path, { migrations: [v1] });
  old.prepare("INSERT INTO line (number) VALUES (?)").run("101");
  old.close();

  const db = openDatabase(path, { migrations: [v1, v2] });
  assert.equal(schemaVersion(db), 2);
  assert.deepEqual({ ...db.prepare("SELECT number, name FROM line").get() }, { number: "101", name: "" });
  db.close();
});

Deno.test("a failing migration rolls back whole and names its step", async () => {
  const path = join(await Deno.makeTempDir(), "fail.db");
  const broken: Migration = {
    version: 2,
    name: "half done",
    up: (db) => {
      db.exec("CREATE TABLE extra (x)");
      db.exec("THIS IS NOT SQL");
    },
  };
  const db = new DatabaseSync(path);
  migrate(db, [v1]);
  assert.throws(
    () => migrate(db, [v1, broken]),
    (e: unknown) => e instanceof MigrationError && e.version === 2,
  );
  assert.equal(schemaVersion(db), 1);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").all();
  assert.equal(tables.length, 0);
  db.close();
});

Deno.test("a database newer than the program is refused instead of being touched", async () => {
  const path = join(await Deno.makeTempDir(), "new.db");
  openDatabase(path, { migrations: [v1, v2] }).close();
  assert.throws(() => openDatabase(path, { migrations: [v1] }), SchemaTooNewError);
});

Deno.test("the shipped migration list is strictly increasing from 1", () => {
  migrations.forEach((m, i) => assert.equal(m.version, i + 1, `migration ${m.name}`));
});

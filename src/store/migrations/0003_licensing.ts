// Licensing tables: the licence keys entered and the trial start, kept in the store so that deleting the
// settings file neither resets the trial nor loses the keys.

import type { Migration } from "../migration.ts";

export const licensingMigration: Migration = {
  version: 3,
  name: "licensing: licence keys, trial start",
  up(db) {
    db.exec(`CREATE TABLE licence_key (
      id TEXT PRIMARY KEY,
      key_text TEXT NOT NULL,
      added_at TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE licence_trial (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      started_at INTEGER NOT NULL
    )`);
  },
};

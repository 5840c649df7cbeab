// Core tables: facts the appliance keeps about itself (first start, install id) and its web users.

import type { Migration } from "../migration.ts";

export const coreMigration: Migration = {
  version: 1,
  name: "core: appliance facts, web users",
  up(db) {
    db.exec(`CREATE TABLE appliance_fact (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE web_user (
      name TEXT PRIMARY KEY,
      password_hash TEXT NOT NULL,
      must_change_password INTEGER NOT NULL DEFAULT 1,
      created_at TEXT NOT NULL
    )`);
  },
};

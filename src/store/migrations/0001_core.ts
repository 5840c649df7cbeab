// Core tables: key/value facts the appliance keeps about itself (first start, install id).

import type { Migration } from "../migration.ts";

export const coreMigration: Migration = {
  version: 1,
  name: "core: appliance facts",
  up(db) {
    db.exec(`CREATE TABLE appliance_fact (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  },
};

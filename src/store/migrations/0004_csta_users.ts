// CSTA users: the logins applications give in their AARQ (required over TLS). §2.4

import type { Migration } from "../migration.ts";

export const cstaUsersMigration: Migration = {
  version: 4,
  name: "csta users",
  up(db) {
    db.exec(`CREATE TABLE csta_user (
      name TEXT PRIMARY KEY,
      password_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  },
};

// The audit log: who changed what, when and from where, with the old and the new value (secrets masked).

import type { Migration } from "../migration.ts";

export const auditMigration: Migration = {
  version: 12,
  name: "audit log",
  up(db) {
    db.exec(`CREATE TABLE audit_entry (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      user_name TEXT NOT NULL,
      via TEXT NOT NULL,
      address TEXT NOT NULL,
      action TEXT NOT NULL,
      object TEXT NOT NULL,
      old_value TEXT,
      new_value TEXT
    )`);
    db.exec("CREATE INDEX audit_entry_at ON audit_entry (at)");
  },
};

// Web users get a role (administrator or operator); every user that existed before roles is an
// administrator, so an upgrade takes no right away from anyone.

import type { Migration } from "../migration.ts";

export const webUserRolesMigration: Migration = {
  version: 10,
  name: "web user roles",
  up(db) {
    db.exec(`ALTER TABLE web_user ADD COLUMN role TEXT NOT NULL DEFAULT 'administrator'
      CHECK (role IN ('administrator', 'operator'))`);
  },
};

// The line API's own data: the line scope of API tokens (which lines, read or control) and the Super-Twin
// partner a line's configuration names. Kept in tables of their own so tokens and lines stay as they are.

import type { Migration } from "../migration.ts";

export const lineApiMigration: Migration = {
  version: 8,
  name: "line API token scopes and Super-Twin partners",
  up(db) {
    db.exec(`CREATE TABLE api_token_line_scope (
      token_id TEXT PRIMARY KEY REFERENCES api_token(id) ON DELETE CASCADE,
      lines TEXT NOT NULL,
      access TEXT NOT NULL CHECK (access IN ('read', 'control'))
    )`);
    db.exec(`CREATE TABLE line_partner (
      number TEXT PRIMARY KEY REFERENCES line(number) ON DELETE CASCADE ON UPDATE CASCADE,
      partner TEXT NOT NULL
    )`);
  },
};

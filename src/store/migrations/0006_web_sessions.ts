// Web UI sessions and API tokens. Only SHA-256 hashes of the secrets are stored, so a copy of the
// database (a backup) cannot be used to take over a session or a token.

import type { Migration } from "../migration.ts";

export const webSessionsMigration: Migration = {
  version: 6,
  name: "web sessions and API tokens",
  up(db) {
    db.exec(`CREATE TABLE web_session (
      id_hash TEXT PRIMARY KEY,
      user_name TEXT NOT NULL REFERENCES web_user(name) ON DELETE CASCADE,
      csrf_token TEXT NOT NULL,
      created_at TEXT NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      remote TEXT NOT NULL,
      flash TEXT
    )`);
    db.exec("CREATE INDEX web_session_user ON web_session(user_name)");
    db.exec(`CREATE TABLE api_token (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      user_name TEXT NOT NULL REFERENCES web_user(name) ON DELETE CASCADE,
      token_hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      last_used_at TEXT
    )`);
  },
};

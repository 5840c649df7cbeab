// Line store tables: the lines, the extension ranges, the location, the number rules and the sync state.

import type { Migration } from "../migration.ts";

export const linesMigration: Migration = {
  version: 2,
  name: "lines: lines, extension ranges, location, number rules",
  up(db) {
    db.exec(`CREATE TABLE line (
      number TEXT PRIMARY KEY,
      name TEXT NOT NULL DEFAULT '',
      kind TEXT NOT NULL CHECK (kind IN ('extension', 'trunk', 'group', 'other')),
      device_number INTEGER,
      enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
      missing_from_pbx INTEGER NOT NULL DEFAULT 0 CHECK (missing_from_pbx IN (0, 1)),
      updated_at TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE extension_range (
      position INTEGER PRIMARY KEY,
      first TEXT NOT NULL,
      last TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE location (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      country_code TEXT NOT NULL,
      area_code TEXT NOT NULL,
      local_prefix TEXT NOT NULL,
      international_access TEXT NOT NULL,
      national_access TEXT NOT NULL,
      outside_line_access TEXT NOT NULL,
      use_location INTEGER NOT NULL CHECK (use_location IN (0, 1)),
      updated_at TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE number_rule (
      list TEXT NOT NULL CHECK (list IN ('incoming', 'outgoing', 'dialling')),
      position INTEGER NOT NULL,
      pattern TEXT NOT NULL,
      is_regex INTEGER NOT NULL CHECK (is_regex IN (0, 1)),
      replacement TEXT NOT NULL,
      PRIMARY KEY (list, position)
    )`);
    db.exec(`CREATE TABLE line_sync_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      auto_loaded_at TEXT,
      last_sync_at TEXT
    )`);
  },
};

// SMDR tables: the durable outbox of call records, the push cursor and counters that survive a restart,
// records per day, and the contact and DDI name directories used when records are formatted.

import type { Migration } from "../migration.ts";

export const smdrMigration: Migration = {
  version: 5,
  name: "smdr: record outbox, push cursor, daily counts, contacts, DDI names",
  up(db) {
    // AUTOINCREMENT: positions are never reused, even after the whole history was pruned, so a push
    // cursor stored before a prune can never point at a newer record.
    db.exec(`CREATE TABLE smdr_record (
      position INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at INTEGER NOT NULL,
      record TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE smdr_state (
      key TEXT PRIMARY KEY,
      value INTEGER
    )`);
    db.exec(`CREATE TABLE smdr_day (
      day TEXT PRIMARY KEY,
      records INTEGER NOT NULL
    )`);
    db.exec(`CREATE TABLE smdr_contact (
      number TEXT PRIMARY KEY,
      name TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE smdr_ddi_name (
      number TEXT PRIMARY KEY,
      name TEXT NOT NULL
    )`);
  },
};

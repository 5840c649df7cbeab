// Fills a store fast for the scale tests of the tables (issue 22): lines and SMDR records written straight
// into SQLite in one transaction each (100,000 records in about a second), through the real record format.

import type { DatabaseSync } from "node:sqlite";
import { formatRecord } from "../../src/smdr/record.ts";
import { SMDR_EVENT_TYPES } from "../../src/smdr/smdr_event.ts";
import { inTransaction } from "../../src/store/transaction.ts";

/** `count` lines numbered from 1000 up: every 7th disabled, every 11th missing, every 5th a trunk. */
export function fillLines(db: DatabaseSync, count: number): void {
  const insert = db.prepare(
    `INSERT INTO line (number, name, kind, device_number, enabled, missing_from_pbx, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = new Date().toISOString();
  inTransaction(db, () => {
    for (let i = 0; i < count; i++) {
      insert.run(
        String(1000 + i),
        `Desk ${String.fromCharCode(65 + (i * 7) % 26)}${i}`,
        i % 5 === 0 ? "trunk" : "extension",
        i % 3 === 0 ? null : i,
        i % 7 === 0 ? 0 : 1,
        i % 11 === 0 ? 1 : 0,
        now,
      );
    }
  });
}

/**
 * `count` SMDR records stored one a minute up to `end` (the newest last), extension 1000 + i % 500,
 * trunk 9000 + i % 20, IN and OUT in turn, the event types in turn.
 */
export function fillSmdrRecords(db: DatabaseSync, count: number, end = Date.now()): void {
  const insert = db.prepare("INSERT INTO smdr_record (created_at, record) VALUES (?, ?)");
  inTransaction(db, () => {
    for (let i = 0; i < count; i++) {
      const at = end - (count - 1 - i) * 60_000;
      const record = formatRecord({
        event: SMDR_EVENT_TYPES[i % SMDR_EVENT_TYPES.length],
        at: new Date(at),
        direction: i % 2 ? "OUT" : "IN",
        callStart: new Date(at),
        callSerial: i,
        trunk: String(9000 + i % 20),
        extension: String(1000 + i % 500),
        callerNumber: `0796${String(i).padStart(7, "0")}`,
      }, { padding: "0" });
      insert.run(at, record);
    }
  });
}

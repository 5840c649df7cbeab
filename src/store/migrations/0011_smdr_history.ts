// SMDR history search: the record's own fields as virtual columns (read from its fixed 162-character layout,
// docs/smdr.md), indexed where a search narrows by them, and the storage time indexed for ranges and pruning.

import type { Migration } from "../migration.ts";

/** Column -> 1-based start and width in the record (docs/smdr.md "The record"); boxes without their `|`. */
export const SMDR_HISTORY_COLUMNS = {
  rec_direction: [22, 3],
  rec_trunk: [50, 7],
  rec_extension: [58, 7],
  rec_source_extension: [66, 7],
  rec_caller_number: [74, 15],
  rec_ddi: [107, 15],
  rec_event: [150, 12],
} as const;

export const smdrHistoryMigration: Migration = {
  version: 11,
  name: "smdr: history search columns and indexes",
  up(db) {
    for (const [column, [start, width]] of Object.entries(SMDR_HISTORY_COLUMNS)) {
      // VIRTUAL: computed on read, so the record stays the one stored copy and nothing needs back-filling.
      db.exec(
        `ALTER TABLE smdr_record ADD COLUMN ${column} TEXT GENERATED ALWAYS AS (rtrim(substr(record, ${start}, ${width}))) VIRTUAL`,
      );
    }
    db.exec("CREATE INDEX smdr_record_created_at ON smdr_record (created_at)");
    db.exec("CREATE INDEX smdr_record_extension ON smdr_record (rec_extension)");
    db.exec("CREATE INDEX smdr_record_source_extension ON smdr_record (rec_source_extension)");
    db.exec("CREATE INDEX smdr_record_trunk ON smdr_record (rec_trunk)");
  },
};

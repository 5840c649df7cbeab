// Indexes for the paged, sorted tables (issue 22): each line sort ends in the number order (shorter first,
// then by text), and SMDR searches by direction and event count 100,000 records without reading each one.

import type { Migration } from "../migration.ts";

export const tableIndexesMigration: Migration = {
  version: 14,
  name: "tables: line sort and SMDR filter indexes",
  up(db) {
    db.exec("CREATE INDEX line_number_order ON line (length(number), number)");
    db.exec("CREATE INDEX line_name_order ON line (name COLLATE NOCASE, length(number), number)");
    db.exec("CREATE INDEX line_kind_order ON line (kind, length(number), number)");
    db.exec(
      "CREATE INDEX line_device_order ON line (device_number IS NULL, device_number, length(number), number)",
    );
    db.exec("CREATE INDEX smdr_record_direction ON smdr_record (rec_direction, created_at)");
    db.exec("CREATE INDEX smdr_record_event ON smdr_record (rec_event, created_at)");
  },
};

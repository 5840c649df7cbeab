// The statistics behind the Statistics page's charts: one row per series and stored bucket (a minute or
// an hour), pruned past each series' range, so the table stays at some 15,000 rows (src/statistics/).

import type { Migration } from "../migration.ts";

export const statisticsMigration: Migration = {
  version: 13,
  name: "statistics",
  up(db) {
    db.exec(`CREATE TABLE statistic_sample (
      series TEXT NOT NULL,
      at INTEGER NOT NULL,
      value REAL NOT NULL,
      PRIMARY KEY (series, at)
    ) WITHOUT ROWID`);
  },
};

// The statistics rows in the store: one row per series and stored bucket (its start, ms since the epoch),
// added to (counts) or set (levels), and pruned past each series' range.

import type { DatabaseSync } from "node:sqlite";
import { inTransaction } from "../store/transaction.ts";
import { keepMs, type SeriesDefinition, type SeriesName } from "./statistic_series.ts";

export interface StoredRow {
  at: number;
  value: number;
}

/** The rows of one chart bucket summed up (the database does it: 10,080 link rows become 168 sums). */
export interface BucketSum {
  /** The bucket's start. */
  at: number;
  sum: number;
  rows: number;
}

/** One minute's figures, by series: a count to add, or a level reading. */
export type MinuteValues = Partial<Record<SeriesName, number>>;

export class StatisticsStore {
  constructor(private readonly database: () => DatabaseSync) {}

  /** Writes one minute's values (`minute`: its start) into each series' bucket, then drops expired rows. */
  writeMinute(series: readonly SeriesDefinition[], minute: number, values: MinuteValues, now: number): void {
    const db = this.database();
    inTransaction(db, () => {
      const add = db.prepare(
        `INSERT INTO statistic_sample (series, at, value) VALUES (?, ?, ?)
         ON CONFLICT (series, at) DO UPDATE SET value = value + excluded.value`,
      );
      const set = db.prepare("INSERT OR REPLACE INTO statistic_sample (series, at, value) VALUES (?, ?, ?)");
      const prune = db.prepare("DELETE FROM statistic_sample WHERE series = ? AND at < ?");
      for (const s of series) {
        const value = values[s.name];
        if (value !== undefined) {
          const at = Math.floor(minute / s.storeMs) * s.storeMs;
          (s.kind === "count" ? add : set).run(s.name, at, value);
        }
        prune.run(s.name, now - keepMs(s));
      }
    });
  }

  /** The rows of `series` with `from <= at < to`, oldest first. */
  rows(series: SeriesName, from: number, to: number): StoredRow[] {
    return this.database().prepare(
      "SELECT at, value FROM statistic_sample WHERE series = ? AND at >= ? AND at < ? ORDER BY at",
    ).all(series, from, to).map((r) => ({ at: Number(r.at), value: Number(r.value) }));
  }

  /** The sums of the rows of `series` in buckets of `width` ms from `from` to `to`; empty buckets are absent. */
  bucketSums(series: SeriesName, from: number, to: number, width: number): BucketSum[] {
    return this.database().prepare(
      `SELECT (at - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS bucket, sum(value) AS sum, count(*) AS rows FROM statistic_sample
       WHERE series = ? AND at >= ? AND at < ? GROUP BY bucket ORDER BY bucket`,
    ).all(from, width, series, from, to).map((r) => ({
      at: from + Number(r.bucket) * width,
      sum: Number(r.sum),
      rows: Number(r.rows),
    }));
  }

  /** Rows kept, all series together. */
  count(): number {
    const row = this.database().prepare("SELECT count(*) AS n FROM statistic_sample").get() as { n: number };
    return row.n;
  }
}

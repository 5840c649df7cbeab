// The durable SMDR outbox: every record is committed here before anyone is sent it, numbered by an
// increasing position. Keeps the replay history for local collectors and the push target's backlog
// (everything after its acknowledged position, and after its read position for the replay on reconnect),
// and counts what a backlog cap drops.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import { inTransaction } from "../store/transaction.ts";
import { withSavepoint } from "../store/savepoint.ts";

/** A record as stored: its position (increasing, never reused), when it was stored, and its 162 characters. */
export interface StoredRecord {
  position: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  record: string;
}

const PUSH_CURSOR = "push_acknowledged";
const PUSH_DROPPED = "push_dropped";
const PUSH_READ = "push_read";

interface Statements {
  db: DatabaseSync;
  insert: StatementSync;
  countDay: StatementSync;
  after: StatementSync;
  latest: StatementSync;
  last: StatementSync;
  getState: StatementSync;
  setState: StatementSync;
  prune: StatementSync;
  day: StatementSync;
  first: StatementSync;
  beforeTime: StatementSync;
}

/** How long records are kept for the history: by age and by count (settings `smdr.keepDays`, `keepRecords`). */
export interface Retention {
  days: number;
  records: number;
}

const DAY_MS = 86_400_000;

export class Outbox {
  #sql?: Statements;
  /** Cached highest position, valid for `#sql.db`. */
  #last = 0;

  constructor(private readonly db: () => DatabaseSync, private readonly clock: Clock = systemClock) {}

  /**
   * Stores one record with the day's count, committed before it returns, or as part of the caller's
   * transaction (a group commit) when one is open.
   */
  append(record: string): StoredRecord {
    const sql = this.#statements();
    const createdAt = this.clock.now();
    const row = withSavepoint(sql.db, () => {
      const inserted = sql.insert.get(createdAt, record) as { position: number };
      sql.countDay.run(localDay(createdAt));
      return inserted;
    });
    this.#last = Number(row.position);
    return { position: this.#last, createdAt, record };
  }

  /** Up to `limit` records after `position`, oldest first. */
  after(position: number, limit: number): StoredRecord[] {
    return (this.#statements().after.all(position, limit) as unknown as StoredRecord[]).map(plain);
  }

  /** The latest `limit` records, oldest first. */
  latest(limit: number): StoredRecord[] {
    return (this.#statements().latest.all(limit) as unknown as StoredRecord[]).map(plain).reverse();
  }

  /** The position of the newest record ever stored (0 before the first). */
  lastPosition(): number {
    this.#statements();
    return this.#last;
  }

  /** Records kept in the store (positions are contiguous and pruning removes the oldest, so no scan). */
  storedCount(): number {
    const row = this.#statements().first.get() as { first: number | null };
    return row.first === null ? 0 : this.lastPosition() - Number(row.first) + 1;
  }

  /**
   * The push target's acknowledged position: every record up to it counts as delivered (or dropped).
   * `null` while push mode is off, so the outbox holds no backlog for nobody.
   */
  pushCursor(): number | null {
    return this.#state(PUSH_CURSOR);
  }

  /**
   * The push target's read position: every record up to it was shown to have been read by the collector
   * (enough bytes followed it that no buffer could still hold it). Records after it and up to the cursor
   * were written but may have died in a hung collector's buffers: they are sent again on reconnect.
   * A store from before this position existed has none: the cursor stands in for it.
   */
  pushReadPosition(): number | null {
    const cursor = this.pushCursor();
    if (cursor === null) return null;
    return Math.min(this.#state(PUSH_READ) ?? cursor, cursor);
  }

  /** Sets both positions outright: on enabling push mode (to the newest record) or disabling it (null). */
  setPushCursor(position: number | null): void {
    const sql = this.#statements();
    inTransaction(sql.db, () => {
      sql.setState.run(PUSH_CURSOR, position);
      sql.setState.run(PUSH_READ, position);
    });
  }

  /** Moves the cursor forward to `position` (never back); true when it moved. */
  acknowledge(position: number): boolean {
    const cursor = this.pushCursor();
    if (cursor === null || position <= cursor) return false;
    this.#statements().setState.run(PUSH_CURSOR, Math.min(position, this.lastPosition()));
    return true;
  }

  /** Moves the read position forward to `position` (never back), and the cursor with it; true when it moved. */
  markRead(position: number): boolean {
    const read = this.pushReadPosition();
    if (read === null || position <= read) return false;
    const sql = this.#statements();
    const through = Math.min(position, this.lastPosition());
    inTransaction(sql.db, () => {
      sql.setState.run(PUSH_READ, through);
      if (through > this.pushCursor()!) sql.setState.run(PUSH_CURSOR, through);
    });
    return true;
  }

  /** Records the push target has not acknowledged yet (0 while push mode is off). */
  backlog(): number {
    const cursor = this.pushCursor();
    return cursor === null ? 0 : this.lastPosition() - cursor;
  }

  /** Records dropped from the push backlog by the cap, over the life of the store. */
  dropped(): number {
    return this.#state(PUSH_DROPPED) ?? 0;
  }

  /**
   * Keeps the backlog at `limit` records (0 = no cap) by moving the cursor past the oldest undelivered
   * records (and the read position with it), and counts them in `dropped()`. Returns how many were
   * dropped now.
   */
  capBacklog(limit: number): number {
    if (limit <= 0) return 0;
    const cursor = this.pushCursor();
    if (cursor === null) return 0;
    const excess = this.lastPosition() - cursor - limit;
    if (excess <= 0) return 0;
    // Records written before but never shown to be read would be sent again ahead of the kept ones: they
    // are given up with the dropped ones and counted with them (they may have arrived; nobody can tell).
    const unread = cursor - this.pushReadPosition()!;
    const sql = this.#statements();
    inTransaction(sql.db, () => {
      sql.setState.run(PUSH_CURSOR, cursor + excess);
      sql.setState.run(PUSH_READ, cursor + excess);
      sql.setState.run(PUSH_DROPPED, this.dropped() + excess + unread);
    });
    return excess + unread;
  }

  /**
   * Deletes records the retention lets go and the push target has read (when push mode is on: the replay on
   * reconnect needs the rest, so the backlog is never pruned). Without `retention`, everything older than
   * the newest `historySize` goes; with it, a record goes once it is older than `retention.days` days or
   * beyond the newest `retention.records`, and the newest `historySize` (the replay) always stay.
   * Returns how many were deleted.
   */
  prune(historySize: number, retention?: Retention): number {
    const cursor = this.pushReadPosition();
    const last = this.lastPosition();
    const outsideHistory = last - historySize;
    let bound = outsideHistory;
    if (retention) {
      const cutoff = this.clock.now() - retention.days * DAY_MS;
      // Positions and storage times rise together, so the newest record stored before the cutoff bounds
      // the old ones (one step of the created_at index; a clock set back only delays their deletion).
      const old = this.#statements().beforeTime.get(cutoff) as { position: number } | undefined;
      bound = Math.min(outsideHistory, Math.max(Number(old?.position ?? 0), last - retention.records));
    }
    if (cursor !== null) bound = Math.min(bound, cursor);
    if (bound <= 0) return 0;
    return Number(this.#statements().prune.run(bound).changes);
  }

  /** Records stored on a local calendar day (`YYYY-MM-DD`), kept after the records themselves are pruned. */
  recordsOn(day: string): number {
    const row = this.#statements().day.get(day) as { records: number } | undefined;
    return row?.records ?? 0;
  }

  /** Records stored today (local time of the appliance). */
  recordsToday(): number {
    return this.recordsOn(localDay(this.clock.now()));
  }

  #state(key: string): number | null {
    const row = this.#statements().getState.get(key) as { value: number | null } | undefined;
    return row?.value ?? null;
  }

  #statements(): Statements {
    const db = this.db();
    if (this.#sql?.db === db) return this.#sql;
    this.#sql = {
      db,
      insert: db.prepare("INSERT INTO smdr_record (created_at, record) VALUES (?, ?) RETURNING position"),
      countDay: db.prepare(
        "INSERT INTO smdr_day (day, records) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET records = records + 1",
      ),
      after: db.prepare(
        "SELECT position, created_at AS createdAt, record FROM smdr_record WHERE position > ? ORDER BY position LIMIT ?",
      ),
      latest: db.prepare(
        "SELECT position, created_at AS createdAt, record FROM smdr_record ORDER BY position DESC LIMIT ?",
      ),
      last: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'smdr_record'"),
      getState: db.prepare("SELECT value FROM smdr_state WHERE key = ?"),
      setState: db.prepare(
        "INSERT INTO smdr_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      prune: db.prepare("DELETE FROM smdr_record WHERE position <= ?"),
      day: db.prepare("SELECT records FROM smdr_day WHERE day = ?"),
      first: db.prepare("SELECT MIN(position) AS first FROM smdr_record"),
      beforeTime: db.prepare(
        "SELECT position FROM smdr_record WHERE created_at < ? ORDER BY created_at DESC, position DESC LIMIT 1",
      ),
    };
    const last = this.#sql.last.get() as { seq: number } | undefined;
    this.#last = Number(last?.seq ?? 0);
    return this.#sql;
  }
}

function plain(row: StoredRecord): StoredRecord {
  return { position: Number(row.position), createdAt: Number(row.createdAt), record: row.record };
}

/** The local calendar day of a time, `YYYY-MM-DD`. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${
    String(d.getDate()).padStart(2, "0")
  }`;
}

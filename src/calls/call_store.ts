// Where the call tracker keeps its trunk calls in progress (table call_in_progress, one JSON row per SMDR
// serial): written with each record a call makes, read once at start to continue the calls after a restart.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { withSavepoint } from "../store/savepoint.ts";
import type { GroupCommit } from "../store/group_commit.ts";
import type { StoredTrunkCall } from "./call_model.ts";

export class CallStore {
  #sql?: { db: DatabaseSync; upsert: StatementSync; remove: StatementSync; all: StatementSync };

  /**
   * With `commits`, saves join the group commit the SMDR records of the same calls go in (one fsync for
   * both, `smdr.commitIntervalMs`); `onError` hears of a save that could not be committed.
   */
  constructor(
    private readonly db: () => DatabaseSync,
    private readonly commits?: { group: GroupCommit; onError: (error: unknown) => void },
  ) {}

  /** The trunk calls in progress as last saved. */
  load(): StoredTrunkCall[] {
    const rows = this.#statements().all.all() as { call: string }[];
    return rows.map((row) => JSON.parse(row.call) as StoredTrunkCall);
  }

  /**
   * Saves the calls going on and forgets those that ended (by SMDR serial), in one commit: now, or in the
   * next group commit (after the SMDR records queued before it, so a restart never continues a call whose
   * record is lost).
   */
  save(going: readonly StoredTrunkCall[], ended: readonly number[]): void {
    if (going.length === 0 && ended.length === 0) return;
    const rows = going.map((call) => [call.smdr.serial, JSON.stringify(call)] as const);
    const write = () => {
      const sql = this.#statements();
      withSavepoint(sql.db, () => {
        for (const [serial, call] of rows) sql.upsert.run(serial, call);
        for (const serial of ended) sql.remove.run(serial);
      });
    };
    if (!this.commits) return write();
    this.commits.group.write(write, () => {}, this.commits.onError);
  }

  #statements() {
    const db = this.db();
    if (this.#sql?.db === db) return this.#sql;
    this.#sql = {
      db,
      upsert: db.prepare(
        "INSERT INTO call_in_progress (serial, call) VALUES (?, ?) ON CONFLICT (serial) DO UPDATE SET call = excluded.call",
      ),
      remove: db.prepare("DELETE FROM call_in_progress WHERE serial = ?"),
      all: db.prepare("SELECT call FROM call_in_progress ORDER BY serial"),
    };
    return this.#sql;
  }
}

// Where the call tracker keeps its trunk calls in progress (table call_in_progress, one JSON row per SMDR
// serial): written with each record a call makes, read once at start to continue the calls after a restart.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { inTransaction } from "../store/transaction.ts";
import type { StoredTrunkCall } from "./call_model.ts";

export class CallStore {
  #sql?: { db: DatabaseSync; upsert: StatementSync; remove: StatementSync; all: StatementSync };

  constructor(private readonly db: () => DatabaseSync) {}

  /** The trunk calls in progress as last saved. */
  load(): StoredTrunkCall[] {
    const rows = this.#statements().all.all() as { call: string }[];
    return rows.map((row) => JSON.parse(row.call) as StoredTrunkCall);
  }

  /** Saves the calls going on and forgets those that ended (by SMDR serial), in one commit. */
  save(going: readonly StoredTrunkCall[], ended: readonly number[]): void {
    if (going.length === 0 && ended.length === 0) return;
    const sql = this.#statements();
    inTransaction(sql.db, () => {
      for (const call of going) sql.upsert.run(call.smdr.serial, JSON.stringify(call));
      for (const serial of ended) sql.remove.run(serial);
    });
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

// The licensing tables: licence keys as entered, and the trial start written once at the first start.

import type { DatabaseSync } from "node:sqlite";

export interface StoredLicenceKey {
  id: string;
  text: string;
  addedAt: string;
}

/** Reads and writes licence keys and the trial start; it verifies nothing, that is `Licensing`'s job. */
export class LicenceRepository {
  /** `database` is asked for the connection at each use, so the repository can exist before the store opens. */
  constructor(private readonly database: () => DatabaseSync) {}

  get db(): DatabaseSync {
    return this.database();
  }

  /**
   * The trial start, written at the first call and never changed afterwards (the store outlives settings
   * files, so deleting the settings does not restart the trial).
   */
  trialStartedAt(now: number): number {
    this.db.prepare("INSERT OR IGNORE INTO licence_trial (id, started_at) VALUES (1, ?)").run(now);
    return (this.db.prepare("SELECT started_at FROM licence_trial WHERE id = 1").get() as {
      started_at: number;
    })
      .started_at;
  }

  keys(): StoredLicenceKey[] {
    const rows = this.db.prepare("SELECT id, key_text, added_at FROM licence_key ORDER BY added_at, id")
      .all() as {
        id: string;
        key_text: string;
        added_at: string;
      }[];
    return rows.map((row) => ({ id: row.id, text: row.key_text, addedAt: row.added_at }));
  }

  /** Stores a key under its statement id; returns false when that id is stored already. */
  addKey(key: StoredLicenceKey): boolean {
    const result = this.db.prepare(
      "INSERT OR IGNORE INTO licence_key (id, key_text, added_at) VALUES (?, ?, ?)",
    )
      .run(key.id, key.text, key.addedAt);
    return Number(result.changes) > 0;
  }

  removeKey(id: string): boolean {
    return Number(this.db.prepare("DELETE FROM licence_key WHERE id = ?").run(id).changes) > 0;
  }
}

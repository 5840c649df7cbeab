// One way to run writes as one transaction: BEGIN IMMEDIATE … COMMIT, undone whole if anything throws. When
// SQLite has already rolled the transaction back itself (SQLITE_FULL on a full disk does), no ROLLBACK is
// sent: that one failed with "cannot rollback - no transaction is active" and hid the real error (issue 18).

import type { DatabaseSync } from "node:sqlite";

/** Runs `work` in a transaction: committed if it returns, rolled back if it (or the COMMIT) throws. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

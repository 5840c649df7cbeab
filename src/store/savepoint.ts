// One way to make several writes commit or roll back together, nestable: a SAVEPOINT. Outside a
// transaction it behaves as BEGIN … COMMIT (one commit, one fsync); inside one it joins it, so a caller can
// make the writes of several stores one commit (the integrations' outboxes of one call record).

import type { DatabaseSync } from "node:sqlite";

let depth = 0;

/** Runs `work` inside a savepoint: its writes are kept if it returns, undone if it throws. */
export function withSavepoint<T>(db: DatabaseSync, work: () => T): T {
  const name = `sp${depth++}`;
  db.exec(`SAVEPOINT ${name}`);
  try {
    const result = work();
    db.exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    // SQLite may have rolled the whole transaction back itself (SQLITE_FULL): then the savepoint is gone.
    if (db.isTransaction) {
      db.exec(`ROLLBACK TO ${name}`);
      db.exec(`RELEASE ${name}`);
    }
    throw error;
  } finally {
    depth--;
  }
}

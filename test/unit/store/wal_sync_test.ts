// syncWal: the log of a WAL-mode database flushed through a descriptor of its own.

import assert from "node:assert/strict";
import { syncWal } from "../../../src/store/wal_sync.ts";
import { withSavepoint } from "../../../src/store/savepoint.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

Deno.test("syncWal flushes the log a commit wrote without waiting for the disk, and has nothing to do without one", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT)");
    withSavepoint(store.db, () => store.db.prepare("INSERT INTO t VALUES ('x')").run(), { synced: false });
    const log = await Deno.stat(`${store.path}-wal`);
    assert.ok(log.size > 0, "the commit is in the log");
    await syncWal(store.path); // resolves once fdatasync returned
    await syncWal(`${store.path}.absent`);
  } finally {
    await store.close();
  }
});

// A migrated SQLite file in a fresh temporary directory for SMDR tests, reopenable like a restart.

import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../../src/store/database.ts";

export interface TempStore {
  dir: string;
  path: string;
  db: DatabaseSync;
  /** Closes the current connection and opens the file again, as a restart of the appliance would. */
  reopen(): DatabaseSync;
  close(): Promise<void>;
}

export async function openTempStore(): Promise<TempStore> {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-smdr-" });
  const path = `${dir}/cstabox.db`;
  const store: TempStore = {
    dir,
    path,
    db: openDatabase(path),
    reopen() {
      if (store.db.isOpen) store.db.close();
      store.db = openDatabase(path);
      return store.db;
    },
    async close() {
      if (store.db.isOpen) store.db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return store;
}

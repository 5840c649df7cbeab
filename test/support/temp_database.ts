// The one temporary database for tests: a migrated SQLite file in a fresh temporary directory, reopenable
// as a restart of the appliance would, removed again by `close()`.

import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/store/database.ts";

export interface TempDatabase {
  dir: string;
  path: string;
  /** The current connection. */
  db: DatabaseSync;
  /** Closes the current connection and opens the file again, as a restart of the appliance would. */
  reopen(): DatabaseSync;
  /** A further connection to the same file, in the form repositories take; closed by `close()`. */
  another(): () => DatabaseSync;
  close(): Promise<void>;
}

export async function openTempDatabase(prefix = "cstabox-test-"): Promise<TempDatabase> {
  const dir = await Deno.makeTempDir({ prefix });
  const path = `${dir}/cstabox.db`;
  const others: DatabaseSync[] = [];
  const temp: TempDatabase = {
    dir,
    path,
    db: openDatabase(path),
    reopen() {
      if (temp.db.isOpen) temp.db.close();
      temp.db = openDatabase(path);
      return temp.db;
    },
    another() {
      const db = openDatabase(path);
      others.push(db);
      return () => db;
    },
    async close() {
      for (const db of [temp.db, ...others]) if (db.isOpen) db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return temp;
}

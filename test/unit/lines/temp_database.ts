// A migrated SQLite database in a fresh temporary directory, removed again by `close()`.

import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../../src/store/database.ts";

export interface TempDatabase {
  db: DatabaseSync;
  path: string;
  /** Opens the same file again, as a restart of the appliance would; returns it as repositories take it. */
  reopen(): () => DatabaseSync;
  close(): Promise<void>;
}

export async function openTempDatabase(): Promise<TempDatabase> {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-test-" });
  const path = `${dir}/cstabox.db`;
  const opened: DatabaseSync[] = [openDatabase(path)];
  return {
    db: opened[0],
    path,
    reopen() {
      const db = openDatabase(path);
      opened.push(db);
      return () => db;
    },
    async close() {
      for (const db of opened) if (db.isOpen) db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

// The appliance's SQLite database: opened in WAL mode, brought to the newest schema at start.

import { DatabaseSync } from "node:sqlite";
import type { Migration } from "./migration.ts";
import { inTransaction } from "./transaction.ts";
import { migrations as defaultMigrations } from "./migrations.ts";
import { errorText } from "../log/error_text.ts";

/** A migration step failed; nothing of that step was applied. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(readonly version: number, readonly step: string, cause: unknown) {
    super(`schema migration ${version} (${step}) failed: ${errorText(cause)}`, {
      cause,
    });
  }
}

/** The database is newer than this program knows: refusing to run protects the data. */
export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
  constructor(readonly found: number, readonly known: number) {
    super(`database schema version ${found} is newer than this cstabox knows (${known}); upgrade cstabox`);
  }
}

export interface OpenOptions {
  migrations?: readonly Migration[];
  /**
   * Keep the database to this connection (SQLite `locking_mode=EXCLUSIVE`): the WAL index lives in this
   * process's memory instead of a shared `-shm` mapping. The running appliance uses it: another process
   * reading the file while cstabox wrote to it could crash cstabox with SIGBUS through that mapping
   * (seen with Deno 2.9.6). Other processes get "database is locked" and use the API or a backup instead.
   */
  exclusive?: boolean;
}

/** Opens (creating if needed) the database file and applies pending migrations, each in a transaction. */
export function openDatabase(path: string, options: OpenOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    if (options.exclusive) db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA journal_mode = WAL");
    // FULL: a committed SMDR record or setting survives a power cut, not only a crash. The appliance
    // writes little, so the extra fsync per commit is affordable.
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA busy_timeout = 5000");
    migrate(db, options.migrations ?? defaultMigrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version the database is at (0 for a new file). */
export function schemaVersion(db: DatabaseSync): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies every migration above the current version, in order; each step commits or rolls back whole. */
export function migrate(db: DatabaseSync, steps: readonly Migration[]): number[] {
  assertOrdered(steps);
  const current = schemaVersion(db);
  const newest = steps.at(-1)?.version ?? 0;
  if (current > newest) throw new SchemaTooNewError(current, newest);
  const applied: number[] = [];
  for (const step of steps) {
    if (step.version <= current) continue;
    try {
      inTransaction(db, () => {
        step.up(db);
        db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)")
          .run(step.version, step.name, new Date().toISOString());
      });
    } catch (error) {
      throw new MigrationError(step.version, step.name, error);
    }
    applied.push(step.version);
  }
  return applied;
}

function assertOrdered(steps: readonly Migration[]): void {
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].version <= steps[i - 1].version) {
      throw new Error(`migrations out of order: ${steps[i - 1].version} before ${steps[i].version}`);
    }
  }
}

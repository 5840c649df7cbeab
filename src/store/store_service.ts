// Owns the database connection for the life of the process and reports its file and schema version.

import type { DatabaseSync } from "node:sqlite";
import { Lifecycle } from "../lifecycle.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { openDatabase, schemaVersion } from "./database.ts";

/** The database was asked for while the store is not running (it failed to open, or has stopped). */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor() {
    super("the store (database) is not running");
  }
}

/** What the store reports in its status `details`. */
export interface StoreDetails {
  file: string;
  schemaVersion: number | null;
}

export class StoreService implements Service<StoreDetails> {
  readonly name = "store";
  #lifecycle = new Lifecycle();
  #db?: DatabaseSync;

  constructor(
    readonly path: string,
    /** Runs once the database is open and migrated, before the store reports running. */
    private readonly afterOpen: (db: DatabaseSync) => Promise<void> = () => Promise.resolve(),
  ) {}

  /** The open database; only valid while the service runs. */
  get db(): DatabaseSync {
    if (!this.#db) throw new StoreUnavailableError();
    return this.#db;
  }

  async start(): Promise<void> {
    this.#lifecycle.set("starting");
    makePrivate(this.path);
    this.#db = openDatabase(this.path, { exclusive: true });
    await this.afterOpen(this.#db);
    this.#lifecycle.set("running");
  }

  stop(): Promise<void> {
    if (this.#db) {
      // Fold the WAL back into the main file so a copied data directory is complete.
      try {
        this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } finally {
        this.#db.close();
        this.#db = undefined;
      }
    }
    this.#lifecycle.set("stopped");
    return Promise.resolve();
  }

  status(): ServiceStatus<StoreDetails> {
    return this.#lifecycle.snapshot<StoreDetails>({
      details: { file: this.path, schemaVersion: this.#db ? schemaVersion(this.#db) : null },
    });
  }
}

/**
 * Creates the database file, or narrows an existing one, to 0600: it holds password hashes and call data,
 * and SQLite gives its -wal and -shm files the same mode. (A file left 0644 by an earlier version too.)
 */
function makePrivate(path: string): void {
  Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
  Deno.chmodSync(path, 0o600);
}

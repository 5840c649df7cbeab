// Owns the database connection for the life of the process and reports its file and schema version.

import type { DatabaseSync } from "node:sqlite";
import { Lifecycle } from "../lifecycle.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { errorText, isDiskFull } from "../log/error_text.ts";
import { openDatabase, schemaVersion } from "./database.ts";
import { inTransaction } from "./transaction.ts";

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

/** What writers of the store tell it, and ask it, about failed writes (a full disk). */
export interface StoreHealth {
  /** A write failed; true when the disk is full (the store is then degraded with that reason). */
  noteWriteError(error: unknown): boolean;
  /** Why writes fail now (the disk is full), or undefined. */
  writeProblem(): string | undefined;
}

export interface StoreOptions {
  /** While the disk is full, how often a write is tried to see whether space has returned (ms). */
  spaceProbeMs?: number;
}

/** Bytes the space probe writes beside the database: room for a few SMDR records and a session. */
const SPACE_PROBE_BYTES = 256 * 1024;

export class StoreService implements Service<StoreDetails>, StoreHealth {
  readonly name = "store";
  #lifecycle = new Lifecycle();
  #db?: DatabaseSync;
  #diskFull?: string;
  #probe?: ReturnType<typeof setTimeout>;

  constructor(
    readonly path: string,
    /** Runs once the database is open and migrated, before the store reports running. */
    private readonly afterOpen: (db: DatabaseSync) => Promise<void> = () => Promise.resolve(),
    private readonly options: StoreOptions = {},
  ) {}

  noteWriteError(error: unknown): boolean {
    if (!isDiskFull(error)) return false;
    if (this.#diskFull === undefined) this.#scheduleProbe();
    this.#diskFull = errorText(error);
    return true;
  }

  writeProblem(): string | undefined {
    return this.#diskFull;
  }

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
    clearTimeout(this.#probe);
    this.#probe = undefined;
    this.#diskFull = undefined;
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
    const snapshot = this.#lifecycle.snapshot<StoreDetails>({
      details: { file: this.path, schemaVersion: this.#db ? schemaVersion(this.#db) : null },
    });
    if (snapshot.state !== "running" || this.#diskFull === undefined) return snapshot;
    return {
      ...snapshot,
      state: "degraded",
      reason:
        `${this.#diskFull}; changes, web sessions and SMDR records cannot be saved until space is freed`,
    };
  }

  /** Tries, now and then, the two writes a full disk refuses: a file beside the database, and a commit. */
  #scheduleProbe(): void {
    this.#probe = setTimeout(async () => {
      const file = `${this.path}.space-probe`;
      try {
        await Deno.writeFile(file, new Uint8Array(SPACE_PROBE_BYTES));
        inTransaction(this.db, () => {
          this.db.prepare(
            "INSERT OR REPLACE INTO appliance_fact (key, value, updated_at) VALUES ('store.spaceProbe', ?, ?)",
          ).run("x".repeat(16 * 1024), new Date().toISOString());
          this.db.prepare("DELETE FROM appliance_fact WHERE key = 'store.spaceProbe'").run();
        });
        this.#diskFull = undefined;
        this.#probe = undefined;
      } catch {
        // Still no space (or the store stopped meanwhile): try again later.
        if (this.#probe !== undefined) this.#scheduleProbe();
      } finally {
        await Deno.remove(file).catch(() => {});
      }
    }, this.options.spaceProbeMs ?? 10_000);
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

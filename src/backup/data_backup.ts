// Backup and restore of the appliance's state: the settings file and the database (a consistent copy
// made with VACUUM INTO) in one .tar.gz with a manifest of sizes and hashes. A restore checks everything
// (archive, manifest, hashes, settings against the schema, database integrity and schema version) before
// it replaces anything, and puts the old database back if the new one does not start.

import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { type Clock, systemClock } from "../clock.ts";
import { renameDurably } from "../fs/atomic_file.ts";
import type { Settings } from "../settings/schema.ts";
import { parseSettings, renderSettings, SettingsError } from "../settings/settings_file.ts";
import { schemaVersion } from "../store/database.ts";
import { migrations } from "../store/migrations.ts";
import type { ServiceStatus } from "../service.ts";
import type { SettingsAccess } from "../settings/settings_access.ts";
import { missingSchema } from "../store/schema_check.ts";
import { ArchiveError, gzip, readTarGz, TarParser, writeTar } from "./tar_archive.ts";
import { errorText } from "../log/error_text.ts";

/** The store as a restore needs it (`StoreService` fits). */
export interface RestorableStore {
  readonly path: string;
  readonly db: DatabaseSync;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DataBackupOptions {
  settings: SettingsAccess;
  store: RestorableStore;
  version: string;
  /** Stops and starts one service (`ServiceRegistry.restart`). */
  restartService: (name: string) => Promise<ServiceStatus>;
  /**
   * Runs once the restored database is open: restart or reload what keeps store data in memory
   * (licensing, SMDR, the number rule book).
   */
  afterRestore: () => Promise<void>;
  /** Largest archive accepted and largest it may expand to. */
  maxArchiveBytes?: number;
  maxExpandedBytes?: number;
  /** Dates the archive and its files' mtimes. */
  clock?: Clock;
}

const FORMAT = "cstabox-backup";
const FORMAT_VERSION = 1;
const SETTINGS_ENTRY = "cstabox.yaml";
const DATABASE_ENTRY = "cstabox.db";
const MANIFEST_ENTRY = "manifest.json";
/** The manifest and the settings file are small; each is held in memory up to this size. */
const SMALL_ENTRY_MAX = 1024 * 1024;
/** An archive may always inflate to this much, whatever its size. */
const EXPANSION_FLOOR_BYTES = 16 * 1024 * 1024;
/** Beyond the floor, an archive may inflate to this many times its size. */
const EXPANSION_RATIO_MAX = 100;

interface Manifest {
  format: string;
  formatVersion: number;
  version: string;
  createdAt: string;
  schemaVersion: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

/** A backup: the settings file and the database in one archive. */
export interface BackupFile {
  filename: string;
  bytes: Uint8Array;
}

/** What a restore did, or every reason it was refused (nothing is replaced then). */
export type RestoreOutcome =
  | { ok: true; restored: { settings: boolean; database: boolean; createdAt: string; version: string } }
  | { ok: false; reasons: string[] };

export class DataBackup {
  readonly maxArchiveBytes: number;
  #maxExpanded: number;
  #clock: Clock;
  #busy = false;

  constructor(private readonly options: DataBackupOptions) {
    this.maxArchiveBytes = options.maxArchiveBytes ?? 256 * 1024 * 1024;
    this.#maxExpanded = options.maxExpandedBytes ?? 1024 * 1024 * 1024;
    this.#clock = options.clock ?? systemClock;
  }

  restartService(name: string) {
    return this.options.restartService(name);
  }

  /**
   * Settings file and a consistent copy of the database, without web sessions. While the file is refused
   * (or deleted) the running settings are saved instead, so the backup restores a working appliance.
   */
  async backup(): Promise<BackupFile> {
    const view = await this.options.settings.fileView();
    const settingsText = view.refused
      ? renderSettings(view.file)
      : await Deno.readTextFile(this.options.settings.file);
    const dir = await Deno.makeTempDir({ prefix: "cstabox-backup-" });
    try {
      const copy = join(dir, DATABASE_ENTRY);
      this.options.store.db.prepare("VACUUM INTO ?").run(copy);
      const snapshot = new DatabaseSync(copy);
      let version: number;
      try {
        if (hasTable(snapshot, "web_session")) snapshot.exec("DELETE FROM web_session");
        version = schemaVersion(snapshot);
      } finally {
        snapshot.close();
      }
      const database = await Deno.readFile(copy);
      const settings = new TextEncoder().encode(settingsText);
      const createdAt = new Date(this.#clock.now()).toISOString();
      const manifest: Manifest = {
        format: FORMAT,
        formatVersion: FORMAT_VERSION,
        version: this.options.version,
        createdAt,
        schemaVersion: version,
        files: {
          [SETTINGS_ENTRY]: { bytes: settings.length, sha256: await sha256Bytes(settings) },
          [DATABASE_ENTRY]: { bytes: database.length, sha256: await sha256Bytes(database) },
        },
      };
      const mtime = Math.floor(this.#clock.now() / 1000);
      const tar = writeTar([
        {
          name: MANIFEST_ENTRY,
          bytes: new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n"),
          mtime,
        },
        { name: SETTINGS_ENTRY, bytes: settings, mtime },
        { name: DATABASE_ENTRY, bytes: database, mtime },
      ]);
      const stamp = createdAt.replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
      return { filename: `cstabox-backup-${stamp}.tar.gz`, bytes: await gzip(tar) };
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }

  /** Checks the archive whole, then replaces settings and database; refusals change nothing. */
  async restore(archive: Uint8Array): Promise<RestoreOutcome> {
    if (this.#busy) return { ok: false, reasons: ["a restore is already running"] };
    this.#busy = true;
    const staged = `${this.options.store.path}.restore-${crypto.randomUUID()}`;
    try {
      const checked = await this.#check(archive, staged);
      if (!checked.ok) return checked;
      await this.#replace(staged, checked.settings);
      return {
        ok: true,
        restored: {
          settings: true,
          database: true,
          createdAt: checked.manifest.createdAt,
          version: checked.manifest.version,
        },
      };
    } finally {
      this.#busy = false;
      await Deno.remove(staged).catch(() => {});
    }
  }

  async #check(
    archive: Uint8Array,
    staged: string,
  ): Promise<{ ok: true; manifest: Manifest; settings: Settings } | { ok: false; reasons: string[] }> {
    if (archive.length > this.maxArchiveBytes) {
      return { ok: false, reasons: [`the file is larger than ${this.maxArchiveBytes} bytes`] };
    }
    // The database goes straight to the staged file as it inflates; only the small files are kept.
    const small = new Map<string, Uint8Array>();
    const database = { bytes: 0, sha256: createHash("sha256"), seen: false };
    const file = await Deno.open(staged, { write: true, createNew: true, mode: 0o600 });
    try {
      const parser = new TarParser({ maxEntries: 10, maxEntryBytes: this.#maxExpanded }, (name, size) => {
        if (name === DATABASE_ENTRY) {
          database.seen = true;
          return {
            write(piece) {
              database.bytes += piece.length;
              database.sha256.update(piece);
              for (let at = 0; at < piece.length;) at += file.writeSync(piece.subarray(at));
            },
          };
        }
        if (size > SMALL_ENTRY_MAX) throw new ArchiveError(`${name} is larger than ${SMALL_ENTRY_MAX} bytes`);
        const bytes = new Uint8Array(size);
        let at = 0;
        small.set(name, bytes);
        return {
          write(piece) {
            bytes.set(piece, at);
            at += piece.length;
          },
        };
      });
      await readTarGz(archive, this.#expansionAllowed(archive.length), parser);
    } catch (error) {
      if (error instanceof ArchiveError) return { ok: false, reasons: [error.message] };
      throw error;
    } finally {
      file.close();
    }
    const reasons: string[] = [];
    const manifest = readManifest(small.get(MANIFEST_ENTRY), reasons);
    if (!manifest) return { ok: false, reasons };
    const found = new Map<string, { bytes: number; sha256: string } | undefined>([
      [SETTINGS_ENTRY, small.has(SETTINGS_ENTRY) ? await fileFacts(small.get(SETTINGS_ENTRY)!) : undefined],
      [
        DATABASE_ENTRY,
        database.seen ? { bytes: database.bytes, sha256: database.sha256.digest("hex") } : undefined,
      ],
    ]);
    for (const [name, facts] of found) {
      const expected = manifest.files[name];
      if (!facts) reasons.push(`${name} is missing from the archive`);
      else if (!expected) reasons.push(`the manifest does not list ${name}`);
      else if (facts.bytes !== expected.bytes || facts.sha256 !== expected.sha256) {
        reasons.push(`${name} does not match its size or SHA-256 in the manifest (damaged file)`);
      }
    }
    if (reasons.length) return { ok: false, reasons };

    let settings: Settings | undefined;
    try {
      settings = parseSettings(new TextDecoder().decode(small.get(SETTINGS_ENTRY)!), SETTINGS_ENTRY);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      reasons.push(`settings refused: ${error.message}`);
    }
    reasons.push(...checkDatabase(staged));
    if (reasons.length || !settings) return { ok: false, reasons };
    return { ok: true, manifest, settings };
  }

  /**
   * How far an archive may inflate: a real backup inflates 3-10 times (a database of line names and SMDR
   * records), an inflation bomb a thousand times; small backups may inflate more, up to a floor.
   */
  #expansionAllowed(archiveBytes: number): number {
    return Math.min(this.#maxExpanded, Math.max(EXPANSION_FLOOR_BYTES, archiveBytes * EXPANSION_RATIO_MAX));
  }

  async #replace(staged: string, settings: Settings): Promise<void> {
    const { store } = this.options;
    const kept = `${store.path}.before-restore`;
    await store.stop();
    await Deno.rename(store.path, kept).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    for (const suffix of ["-wal", "-shm"]) await Deno.remove(store.path + suffix).catch(() => {});
    // Streamed without a sync of its own: renameDurably fsyncs it before it takes the database's name.
    await renameDurably(staged, store.path);
    try {
      await store.start();
    } catch (error) {
      // The checked copy would not open after all: put the old database back and run on it.
      await Deno.rename(kept, store.path).catch(() => {});
      for (const suffix of ["-wal", "-shm"]) await Deno.remove(store.path + suffix).catch(() => {});
      await store.start();
      throw error;
    }
    await this.options.settings.save(settings);
    await this.options.afterRestore();
  }
}

function readManifest(bytes: Uint8Array | undefined, reasons: string[]): Manifest | undefined {
  if (!bytes) {
    reasons.push("manifest.json is missing: this is not a cstabox backup");
    return undefined;
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    reasons.push("manifest.json is not JSON");
    return undefined;
  }
  if (manifest?.format !== FORMAT) {
    reasons.push("manifest.json does not describe a cstabox backup");
    return undefined;
  }
  if (manifest.formatVersion !== FORMAT_VERSION) {
    reasons.push(
      `backup format ${manifest.formatVersion} is not known to this cstabox (knows ${FORMAT_VERSION})`,
    );
    return undefined;
  }
  if (typeof manifest.files !== "object" || manifest.files === null) {
    reasons.push("manifest.json lists no files");
    return undefined;
  }
  return manifest;
}

/** Reasons the staged database cannot be used; it is also cleared of web sessions. */
function checkDatabase(path: string): string[] {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    const integrity = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0].integrity_check !== "ok") {
      return [`the database is damaged: ${integrity.map((r) => r.integrity_check).slice(0, 3).join("; ")}`];
    }
    const version = schemaVersion(db);
    const known = migrations.at(-1)!.version;
    if (version > known) {
      return [
        `the database has schema version ${version}, newer than this cstabox knows (${known}); upgrade first`,
      ];
    }
    if (version === 0) return ["the database holds no cstabox schema"];
    const missing = missingSchema(db);
    if (missing.length) {
      return [`the database lacks part of its schema (version ${version}): ${missing.join("; ")}`];
    }
    if (hasTable(db, "web_session")) db.exec("DELETE FROM web_session");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return [];
  } catch (error) {
    return [`the database cannot be read: ${errorText(error)}`];
  } finally {
    db?.close();
  }
}

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

async function fileFacts(bytes: Uint8Array): Promise<{ bytes: number; sha256: string }> {
  return { bytes: bytes.length, sha256: await sha256Bytes(bytes) };
}

async function sha256Bytes(bytes: Uint8Array): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)).toHex();
}

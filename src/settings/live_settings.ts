// The running configuration: the settings file merged with command-line overrides, watched for edits.
// A valid edit is applied and announced; an invalid one is logged and the running settings stay.

import { dirname, resolve } from "node:path";
import type { Logger } from "../log/logger.ts";
import { type SectionName, type Settings, settingsSchema } from "./schema.ts";
import {
  loadSettingsFile,
  readSettingsFile,
  renderSettings,
  SettingsError,
  type SettingsRead,
  SettingsWriteError,
  updateSettingsText,
  writeSettingsText,
} from "./settings_file.ts";

/** A partial settings tree; command-line flags produce one. */
export type SettingsOverrides = { [S in SectionName]?: Partial<Settings[S]> };

export type SettingsListener = (next: Settings, previous: Settings, changed: SectionName[]) => void;

export class LiveSettings {
  #file: string;
  #overrides: SettingsOverrides;
  #log: Logger;
  #fromFile: Settings;
  #effective: Settings;
  #listeners = new Set<SettingsListener>();
  #watcher?: Deno.FsWatcher;
  #lastError?: SettingsError;

  private constructor(file: string, overrides: SettingsOverrides, log: Logger, fromFile: Settings) {
    this.#file = file;
    this.#overrides = overrides;
    this.#log = log;
    this.#fromFile = fromFile;
    this.#effective = applyOverrides(fromFile, overrides);
  }

  /**
   * Loads `file`, creating it with every default (and a comment per setting) when it does not exist.
   * Throws SettingsError when the file is invalid: at start-up there are no old settings to keep.
   */
  static async open(file: string, overrides: SettingsOverrides, log: Logger): Promise<LiveSettings> {
    let fromFile: Settings;
    try {
      const read = await readSettingsFile(file);
      fromFile = read.settings;
      logWarnings(log, file, read);
      if (read.migratedText !== undefined) {
        // Written back at once (the old file stays as .bak), so the file says what cstabox reads.
        await writeSettingsText(file, read.migratedText);
        log.info("settings file migrated", { file, from: read.fileVersion, backup: `${file}.bak` });
      }
    } catch (error) {
      if (!(error instanceof SettingsError && error.missing)) throw error;
      fromFile = settingsSchema.parse({});
      await writeSettingsText(file, renderSettings(fromFile));
      log.info("settings file created with defaults", { file });
    }
    return new LiveSettings(file, overrides, log, fromFile);
  }

  get file(): string {
    return this.#file;
  }

  /** The settings in force (file + overrides). */
  current(): Settings {
    return this.#effective;
  }

  /**
   * The file as it is now, read fresh so a hand edit not yet applied is seen; when it is refused (invalid,
   * missing, unreadable), the file's settings that run and why the file is refused.
   */
  async fileView(): Promise<{ file: Settings; refused?: SettingsError }> {
    try {
      return { file: await loadSettingsFile(this.#file) };
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      return { file: this.#fromFile, refused: error };
    }
  }

  /** The last refusal of the file (an edit, a deletion, an unreadable file), until a valid file replaces it. */
  lastError(): SettingsError | undefined {
    return this.#lastError;
  }

  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the file; applies it when valid, keeps the running settings when not. */
  async reload(): Promise<boolean> {
    let next: Settings;
    try {
      const read = await readSettingsFile(this.#file);
      logWarnings(this.#log, this.#file, read);
      next = read.settings;
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      this.#lastError = error;
      this.#log.error("settings file refused; running settings kept", {
        file: this.#file,
        problems: error.problems,
      });
      return false;
    }
    this.#lastError = undefined;
    this.#apply(next);
    return true;
  }

  /**
   * Saves new file settings atomically (keeping `.bak`) and applies them. Throws SettingsWriteError when
   * the file cannot be written; then nothing is applied.
   */
  async save(next: Settings): Promise<void> {
    const checked = settingsSchema.parse(next);
    try {
      // Over the file as it is: comments, layout and keys cstabox does not know stay.
      const text = await Deno.readTextFile(this.#file).catch(() => undefined);
      await writeSettingsText(this.#file, updateSettingsText(text, checked));
    } catch (error) {
      throw new SettingsWriteError(this.#file, error);
    }
    this.#lastError = undefined;
    this.#apply(checked);
  }

  #apply(fromFile: Settings): void {
    const previous = this.#effective;
    this.#fromFile = fromFile;
    this.#effective = applyOverrides(fromFile, this.#overrides);
    const changed = changedSections(previous, this.#effective);
    if (changed.length === 0) return;
    this.#log.info("settings changed", {
      sections: changed,
      changes: changedSettings(previous, this.#effective),
    });
    for (const listener of this.#listeners) {
      try {
        listener(this.#effective, previous, changed);
      } catch (error) {
        this.#log.error("settings listener failed", { error });
      }
    }
  }

  /**
   * Watches the file; edits are applied after they settle (editors write in several steps). The
   * directory is watched, not the file, because editors and our own atomic save replace the file.
   */
  watch(settleMs = 200): void {
    if (this.#watcher) return;
    const target = resolve(this.#file);
    const watcher = Deno.watchFs(dirname(target), { recursive: false });
    this.#watcher = watcher;
    let timer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      try {
        for await (const event of watcher) {
          if (event.kind === "access" || !event.paths.some((p) => resolve(p) === target)) continue;
          clearTimeout(timer);
          timer = setTimeout(() => void this.reload(), settleMs);
        }
      } catch (error) {
        this.#log.warn("settings watch ended", { error });
      } finally {
        clearTimeout(timer);
      }
    })();
  }

  unwatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}

/** Unknown keys and a file from a newer cstabox: warnings, each with where it is in the file. */
function logWarnings(log: Logger, file: string, read: SettingsRead): void {
  for (const warning of read.warnings) {
    log.warn(`settings file: ${warning.field}: ${warning.message}`, {
      file,
      ...(warning.line ? { line: warning.line, column: warning.column } : {}),
    });
  }
}

function applyOverrides(base: Settings, overrides: SettingsOverrides): Settings {
  const merged = structuredClone(base) as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(overrides)) {
    merged[section] = { ...merged[section], ...values };
  }
  const result = settingsSchema.safeParse(merged);
  if (result.success) return result.data;
  // Only an override can make valid file settings invalid: name it as such.
  throw new SettingsError(
    "command-line options",
    result.error.issues.map((issue) => ({ field: issue.path.map(String).join("."), message: issue.message })),
  );
}

/** Each setting that differs, as `section.key: old -> new`, for the log an administrator reads. */
export function changedSettings(a: Settings, b: Settings): string[] {
  const out: string[] = [];
  for (const section of Object.keys(b) as SectionName[]) {
    const before = a[section] as Record<string, unknown>;
    const after = b[section] as Record<string, unknown>;
    for (const key of Object.keys(after)) {
      const from = JSON.stringify(before[key]);
      const to = JSON.stringify(after[key]);
      if (from !== to) out.push(`${section}.${key}: ${from} -> ${to}`);
    }
  }
  return out;
}

function changedSections(a: Settings, b: Settings): SectionName[] {
  return (Object.keys(b) as SectionName[]).filter((s) => JSON.stringify(a[s]) !== JSON.stringify(b[s]));
}

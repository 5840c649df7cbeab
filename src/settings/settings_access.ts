// The seam between the running settings and those who read and change them (the web UI, the backup):
// `LiveSettings` implements it, tests hand in fakes.

import type { Settings } from "./schema.ts";
import type { SettingsError } from "./settings_file.ts";

/** The running settings and their atomic, validated save (`LiveSettings` fits). */
export interface SettingsAccess {
  /** The settings in force: the file plus command-line overrides. */
  current(): Settings;
  /** The settings file; the UI reads it to change the file's values, never writing the overrides into it. */
  readonly file: string;
  /** The file's settings now, or (when the file is refused, missing or unreadable) the running ones and why. */
  fileView(): Promise<{ file: Settings; refused?: SettingsError }>;
  /**
   * Validates and writes the file atomically, then applies it (restarting what the change concerns);
   * throws SettingsWriteError when the file cannot be written.
   */
  save(next: Settings): Promise<void>;
}

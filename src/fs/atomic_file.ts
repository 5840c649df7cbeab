// Writing a file so that a crash leaves either the old or the new content, never half of either:
// a temporary file in the same directory, fsync, rename over the target, fsync of the directory.
// Settings, certificates and the restored database all go through here.

export interface AtomicWriteOptions {
  /** Permission bits, set exactly (the umask never narrows or widens them); 0o644 when not given. */
  mode?: number;
  /** Copies the file being replaced to this path first (the settings file keeps its `.bak`). */
  keepOldAs?: string;
  /** Runs after the temporary file is written and synced, before anything is replaced (fault injection). */
  beforeReplace?: (tempPath: string) => void | Promise<void>;
}

/** Writes `data` to `path` atomically and durably. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
    // The mode given to open() is reduced by the umask; set it exactly (never wider than asked).
    await Deno.chmod(tmp, mode);
    await file.sync();
    file.close();
    await options.beforeReplace?.(tmp);
    if (options.keepOldAs && await copyIfExists(path, options.keepOldAs)) {
      // The copy holds what the file held: no wider access than the file is given now.
      await Deno.chmod(options.keepOldAs, mode);
    }
  } catch (error) {
    try {
      file.close();
    } catch {
      // already closed
    }
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  try {
    await Deno.rename(tmp, path);
  } catch (error) {
    // A target that cannot be replaced (immutable, read-only mount) must not leave the temp file behind.
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  await syncDirectory(dirOf(path));
}

/**
 * Renames atomically and makes both the content and the rename durable: the file is fsynced first, since a
 * rename that reaches the disk before the data leaves an empty or partial file under the new name after a
 * crash (the restore streams its staged database without a sync of its own).
 */
export async function renameDurably(from: string, to: string): Promise<void> {
  const file = await Deno.open(from, { read: true });
  try {
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(from, to);
  await syncDirectory(dirOf(to));
}

/** fsync of a directory makes renames in it durable; some file systems refuse it, which is harmless. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Not supported here (e.g. some network file systems); the rename itself is still atomic.
  }
}

/** Copies `from` to `to`; false when there is no `from`. */
async function copyIfExists(from: string, to: string): Promise<boolean> {
  try {
    await Deno.copyFile(from, to);
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return false;
  }
}

function dirOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? (at === 0 ? "/" : ".") : path.slice(0, at);
}

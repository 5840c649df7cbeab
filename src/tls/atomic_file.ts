// Writing a file so that a crash leaves either the old or the new content, never half of either:
// a temporary file in the same directory, fsync, rename over the target, fsync of the directory.

/** Writes `text` to `path` atomically with permission bits `mode` (e.g. 0o600 for key files). */
export async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    const bytes = new TextEncoder().encode(text);
    for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
    // The mode given to open() is reduced by the umask; set it exactly (never wider than asked).
    await Deno.chmod(tmp, mode);
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(tmp, path);
  await syncDirectory(dirOf(path));
}

/** Renames atomically and makes the rename durable. */
export async function renameDurably(from: string, to: string): Promise<void> {
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

function dirOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? (at === 0 ? "/" : ".") : path.slice(0, at);
}

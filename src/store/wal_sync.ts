// Makes the committed transactions of a WAL-mode database durable without holding the event loop: the
// log file is flushed with fdatasync on a thread of the runtime's pool (Deno's async file ops), where a
// `synchronous=FULL` commit waits for the same flush on the event loop (4 to 9 ms on the 2-core
// development VM, 20 ms under load; docs/BENCHMARKS.md, issue 21).

/**
 * Flushes the write-ahead log of the database at `dbPath` to the disk. Every transaction committed before
 * the call is durable (a power cut keeps it) once the promise resolves: in WAL mode a commit is the log's
 * frames up to a commit frame, and fsync flushes the file whichever descriptor asks. No log file means
 * nothing waits in one (SQLite removes it only after a checkpoint that synced the database file).
 *
 * The file is opened anew for each flush: a restore or a reopen replaces the log by a new file, and a kept
 * descriptor would flush the old one.
 *
 * @example
 * ```ts
 * db.exec("PRAGMA synchronous = NORMAL");
 * db.prepare("INSERT INTO outbox (body) VALUES (?)").run(body); // survives a crash of cstabox at once
 * await syncWal(path); // and now a power cut too
 * ```
 * @throws Deno.errors.* when the log exists but cannot be opened or flushed (e.g. an I/O error).
 */
export async function syncWal(dbPath: string): Promise<void> {
  let log: Deno.FsFile;
  try {
    log = await Deno.open(`${dbPath}-wal`, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  try {
    await log.syncData();
  } finally {
    log.close();
  }
}

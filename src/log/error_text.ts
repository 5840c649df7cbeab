// The one way an error becomes text for a log line, a status field or an answer: its message, with the
// failures an administrator meets most (port taken, no permission, a full disk) named in plain words.

/** Plain words for a caught value: "address already in use (…)" rather than a stack; never "[object Object]". */
export function errorText(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) return `address already in use (${error.message})`;
  if (isDiskFull(error)) {
    return `disk full: the data directory's file system has no space left (${(error as Error).message})`;
  }
  if (error instanceof Deno.errors.PermissionDenied) return `permission denied (${error.message})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * SQLITE_FULL from SQLite (errcode 13; `exec` errors carry no errcode, only SQLite's fixed text for it,
 * "database or disk is full"), or ENOSPC (os error 28) from the system.
 */
export function isDiskFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === "number" && (errcode & 0xff) === 13) return true;
  if (error.message === "database or disk is full") return true;
  return (error as { code?: unknown }).code === "ENOSPC" ||
    /No space left on device|os error 28\b/.test(error.message);
}

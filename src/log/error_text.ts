// The one way an error becomes text for a log line, a status field or an answer: its message, with the
// two start failures an administrator meets most (port taken, no permission) named in plain words.

/** Plain words for a caught value: "address already in use (…)" rather than a stack; never "[object Object]". */
export function errorText(error: unknown): string {
  if (error instanceof Deno.errors.AddrInUse) return `address already in use (${error.message})`;
  if (error instanceof Deno.errors.PermissionDenied) return `permission denied (${error.message})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

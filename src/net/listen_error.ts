// Why a listener could not open its port, in words an administrator acts on ("port 33334 is in use by
// another program"), so /healthz and the status page can report it per listener.

import { errorText } from "../log/error_text.ts";
export type ListenProblem = "address_in_use" | "permission_denied" | "address_unavailable" | "other";

export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    readonly problem: ListenProblem,
    readonly hostname: string,
    readonly port: number,
    readonly detail: string,
  ) {
    super(describe(problem, hostname, port, detail));
  }
}

function describe(problem: ListenProblem, hostname: string, port: number, detail: string): string {
  const where = `${hostname}:${port}`;
  switch (problem) {
    case "address_in_use":
      return `port ${port} is already in use by another program (${where})`;
    case "permission_denied":
      return `not allowed to listen on ${where}; ports below 1024 need privileges (${detail})`;
    case "address_unavailable":
      return `${hostname} is not an address of this machine (${where})`;
    default:
      return `cannot listen on ${where}: ${detail}`;
  }
}

/** Maps a Deno or node error from listen() to a `ListenError`. */
export function toListenError(error: unknown, hostname: string, port: number): ListenError {
  if (error instanceof ListenError) return error;
  const code = (error as { code?: string }).code;
  const detail = errorText(error);
  if (error instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
    return new ListenError("address_in_use", hostname, port, detail);
  }
  if (error instanceof Deno.errors.PermissionDenied || code === "EACCES") {
    return new ListenError("permission_denied", hostname, port, detail);
  }
  if (error instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL") {
    return new ListenError("address_unavailable", hostname, port, detail);
  }
  return new ListenError("other", hostname, port, detail);
}

/** `Deno.listen` on TCP whose failure is a `ListenError` naming the port and what to do. */
export function listenTcp(hostname: string, port: number): Deno.TcpListener {
  try {
    return Deno.listen({ hostname, port, transport: "tcp" });
  } catch (error) {
    throw toListenError(error, hostname, port);
  }
}

// Small frames leave at once: cstabox already joins a connection's frames into one write per event-loop
// turn, so Nagle's algorithm only adds stalls. With it, a write waits for the ACK of the previous one, and a
// peer that delays its ACK (40 ms on Linux) holds every event behind it.

/**
 * Sets TCP_NODELAY on a TCP connection. TLS connections are left as they are: Deno offers no way to set
 * socket options on them.
 *
 * @example
 * ```ts
 * const conn = await Deno.connect({ hostname: "192.0.2.10", port: 33333 });
 * sendAtOnce(conn);
 * ```
 */
export function sendAtOnce(conn: Deno.Conn): void {
  if (!("setNoDelay" in conn) || typeof conn.setNoDelay !== "function") return;
  try {
    conn.setNoDelay(true);
  } catch {
    // A connection reset before the option was set: its first read or write reports it.
  }
}

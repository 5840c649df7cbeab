// The two small things every raw socket user needs: write all of a buffer (a `write` may take only part of
// it) and close a connection that may already be closed.

/**
 * Writes every byte, as many `write` calls as the socket needs.
 *
 * @example
 * ```ts
 * await writeAll(conn, new TextEncoder().encode("hello"));
 * ```
 */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/**
 * Closes the connection; one already closed (by the peer's reset, or by another path) is not an error.
 *
 * @example
 * ```ts
 * closeQuietly(conn);
 * closeQuietly(conn); // no throw
 * ```
 */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // closed already
  }
}

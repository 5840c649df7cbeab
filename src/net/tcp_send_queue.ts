// How many bytes written to a TCP connection the peer's kernel has not acknowledged yet, read from Linux's
// /proc/net/tcp (tx_queue). Push-mode SMDR uses it to prove a collector read everything before it closed.

/**
 * Bytes written to the IPv4 connection `local` -> `remote` that the peer has not acknowledged (tx_queue),
 * or undefined where that cannot be read (not Linux, IPv6, the socket is gone): callers then prove nothing.
 */
export function unacknowledgedBytes(
  local: Deno.Addr | undefined,
  remote: Deno.Addr | undefined,
): number | undefined {
  if (local?.transport !== "tcp" || remote?.transport !== "tcp") return undefined;
  const want = `${procAddress(local)} ${procAddress(remote)}`;
  if (want.includes("undefined")) return undefined;
  let table: string;
  try {
    table = Deno.readTextFileSync("/proc/net/tcp");
  } catch {
    return undefined;
  }
  for (const line of table.split("\n")) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue ..."
    const fields = line.trim().split(/\s+/);
    if (`${fields[1]} ${fields[2]}` !== want) continue;
    return parseInt(fields[4].split(":")[0], 16);
  }
  return undefined;
}

/** An IPv4 address and port as /proc/net/tcp writes them: the address as a little-endian hex word. */
function procAddress(addr: Deno.NetAddr): string | undefined {
  const octets = addr.hostname.split(".").map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
  return `${octets.reverse().map((o) => hex(o, 2)).join("")}:${hex(addr.port, 4)}`;
}

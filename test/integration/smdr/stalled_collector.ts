// Test support: an SMDR collector that connects and never reads, with tiny socket buffers on both ends so
// that cstabox's own queue limit, not the kernel, is what cuts it off. Deno cannot set socket options, so
// the collector is a short Python program (as test/integration/line_api/line_slow_client_test.ts).

/**
 * SO_RCVBUF alone is not enough on loopback: the sender's send buffer grows with the peer's MSS (65,483
 * bytes on lo), and a collector with a 2 KiB receive buffer still let cstabox hand 2.1 MB (13,282 records)
 * to the kernel before a write stalled (measured: a Deno writer against this program without TCP_MAXSEG).
 * A 536-byte MSS announced in the SYN keeps the sender's buffer small too: 44 KB (268 records), the same
 * in three runs, so the cut-off comes within the test's records whatever the machine's load.
 */
const PROGRAM = `
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
s.connect(("127.0.0.1", int(sys.argv[1])))
print("connected", flush=True)
sys.stdin.read()
`;

export interface StalledCollector {
  /** Ends the collector process (closing its socket). */
  close(): Promise<void>;
}

/** Connects a collector to 127.0.0.1:`port` that never reads; resolves once it is connected. */
export async function stalledCollector(port: number): Promise<StalledCollector> {
  const child = new Deno.Command("python3", {
    args: ["-c", PROGRAM, String(port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("connected\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stalled collector did not connect: ${text}`);
    text += value;
  }
  reader.releaseLock();
  const writer = child.stdin.getWriter();
  return {
    async close() {
      // End of its standard input ends the program, which closes the socket.
      await writer.close().catch(() => {});
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

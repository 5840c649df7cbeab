// The round-trip baseline of the multiplexer bench: a plain TCP relay that copies bytes both ways between
// each client and the PBX, nothing else. Run as its own process, like cstabox, so that both pay the same
// extra process hop (on a 2-core VM that hop alone costs about 200 µs, more than the relaying):
//   deno run --allow-net scripts/bench/tcp_relay.ts <pbx port>
// It prints `relay listening <port>`.

const pbxPort = Number(Deno.args[0]);
if (!(pbxPort > 0)) {
  console.error("usage: tcp_relay.ts <pbx port>");
  Deno.exit(2);
}

/** Copies `from` to `to` until either side ends, then closes `to`. */
async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      for (let written = 0; written < n;) written += await to.write(buffer.subarray(written, n));
    }
  } catch {
    // either side closed
  }
  try {
    to.close();
  } catch {
    // closed already
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`relay listening ${(listener.addr as Deno.NetAddr).port}`);
for await (const client of listener) {
  const upstream = await Deno.connect({ hostname: "127.0.0.1", port: pbxPort });
  // Without Nagle's algorithm, like cstabox's own connections.
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  void pump(client, upstream);
  void pump(upstream, client);
}

// Writers of different connections share one buffer pool: a buffer held by two of them at once (given
// back twice, or while still being filled) would put one connection's bytes into another's stream; a buffer
// the pool does not keep is freed (detached) when its write completes, so a socket that still read from it
// would send nothing or the wrong bytes. Checked byte for byte over Deno's TCP sockets and the TLS
// listener's node:tls sockets. (That a buffer goes back
// only after its write completed is proven in queued_writer_test with a sink that holds its buffers: the
// loopback sockets here absorb megabytes, so their writes complete at once.)

import assert from "node:assert/strict";
import { BufferPool } from "../../../src/net/buffer_pool.ts";
import { QueuedWriter } from "../../../src/net/queued_writer.ts";
import { listenOnLoopback } from "../../support/tls_loopback.ts";
import { startStore } from "../../unit/tls/store_fixture.ts";

/** Frame `n` of connection `c`: a length that varies, filled with bytes that name both. */
const frame = (c: number, n: number) => new Uint8Array(50 + (n * 37) % 900).fill((c * 101 + n) % 256);

async function readExactly(conn: Deno.Conn, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  for (let got = 0; got < length;) {
    const n = await conn.read(buffer.subarray(got));
    if (n === null) throw new Error(`connection ended after ${got} of ${length} bytes`);
    got += n;
  }
  return buffer;
}

/**
 * Three connections, each sent about 4 MB in frames of varying length over 1,500 turns, by writers that
 * share one small pool, while the clients read nothing until everything is queued; then every byte is
 * checked.
 */
async function checkWritersSharingAPool(
  listener: AsyncIterable<Deno.Conn> & { readonly addr: Deno.Addr },
  connect: (port: number) => Promise<Deno.Conn>,
  pool: "small" | "keeps nothing",
): Promise<void> {
  // Small, so buffers change hands often; or none kept, so every buffer is freed once written.
  const buffers = new BufferPool({ retainBytes: pool === "small" ? 64 * 1024 : 0 });
  const connections = 3;
  const turns = 1500; // about 4 MB a connection: more than the sockets buffer while nobody reads
  const expected = Array.from({ length: connections }, (_, c) => {
    const frames = Array.from({ length: turns * 5 }, (_, n) => frame(c, n));
    return { frames, bytes: frames.reduce((sum, f) => sum + f.length, 0) };
  });
  const serving = (async () => {
    // Not `for await … break`: that would close the listener, which the caller owns.
    const incoming = listener[Symbol.asyncIterator]();
    const accepted: Deno.Conn[] = [];
    while (accepted.length < connections) accepted.push((await incoming.next()).value as Deno.Conn);
    const writers = accepted.map((conn) =>
      new QueuedWriter(conn, {
        maxQueuedBytes: 1 << 24,
        drainTimeoutMs: 10_000,
        onFailure: () => {},
        buffers,
      })
    );
    for (let turn = 0; turn < turns; turn++) {
      for (const [c, writer] of writers.entries()) {
        for (let i = 0; i < 5; i++) writer.enqueue(expected[c].frames[turn * 5 + i]);
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    return { accepted, writers };
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const clients = [];
  for (let c = 0; c < connections; c++) clients.push(await connect(port));
  const server = await serving; // everything is queued, much of it in writes the clients do not read yet
  // Every connection is sent the same number of bytes; which one a client got follows the accept order,
  // so its first frame tells.
  const received = await Promise.all(clients.map((client) => readExactly(client, expected[0].bytes)));
  await Promise.all(server.writers.map((w) => w.drained()));
  const seen = new Set<number>();
  for (const bytes of received) {
    const c = expected.findIndex((e) => e.frames[0][0] === bytes[0]);
    assert.ok(c >= 0 && !seen.has(c), `a client got connection ${c}'s bytes twice or none`);
    seen.add(c);
    let at = 0;
    for (const [n, sent] of expected[c].frames.entries()) {
      assert.deepEqual(bytes.subarray(at, at + sent.length), sent, `connection ${c}, frame ${n}`);
      at += sent.length;
    }
  }
  if (pool === "small") assert.ok(buffers.stats().reused > 0, "buffers did change hands");
  else assert.ok(buffers.stats().released > 1000, `buffers freed: ${JSON.stringify(buffers.stats())}`);
  for (const conn of [...clients, ...server.accepted]) conn.close();
}

for (const pool of ["small", "keeps nothing"] as const) {
  const what = pool === "small"
    ? "writers sharing one buffer pool"
    : "writers whose buffers are freed once written";

  Deno.test(`over TCP, ${what} deliver every byte intact to each client`, async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      await checkWritersSharingAPool(listener, (port) => Deno.connect({ hostname: "127.0.0.1", port }), pool);
    } finally {
      listener.close();
    }
  });

  Deno.test(`over TLS, ${what} deliver every byte intact to each client`, async () => {
    const fixture = await startStore();
    const pair = fixture.store.current();
    const listener = await listenOnLoopback(pair);
    try {
      await checkWritersSharingAPool(listener, async (port) => {
        const conn = await Deno.connectTls({ hostname: "localhost", port, caCerts: [pair.certPem] });
        await conn.handshake();
        return conn;
      }, pool);
    } finally {
      listener.close();
      await fixture.cleanup();
    }
  });
}

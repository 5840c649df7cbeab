import assert from "node:assert/strict";
import { ListenError } from "../../../src/net/listen_error.ts";
import { HotSwapTlsListener } from "../../../src/tls/tls_listener.ts";
import { listenOnLoopback } from "../../support/tls_loopback.ts";
import { startStore } from "../../unit/tls/store_fixture.ts";
import { sClient } from "./s_client.ts";

/** Echoes every byte back until the peer closes; uses the readable/writable streams of Deno.Conn. */
async function echo(conn: Deno.TlsConn): Promise<void> {
  try {
    await conn.readable.pipeTo(conn.writable);
  } catch {
    // The peer went away; nothing to clean up beyond the connection itself.
  }
}

async function roundTrip(conn: Deno.TlsConn, text: string): Promise<string> {
  await conn.write(new TextEncoder().encode(text));
  const buffer = new Uint8Array(text.length);
  let got = 0;
  while (got < text.length) {
    const n = await conn.read(buffer.subarray(got));
    if (n === null) throw new Error("connection ended");
    got += n;
  }
  return new TextDecoder().decode(buffer);
}

Deno.test("a swap serves the new certificate to new connections while an earlier connection keeps exchanging data", async () => {
  const fixture = await startStore();
  const first = fixture.store.current();
  const listener = await listenOnLoopback(first);
  const serving = (async () => {
    for await (const conn of listener) echo(conn);
  })();
  const port = listener.addr.port;
  try {
    fixture.store.onChange((pair) =>
      listener.setCertificate({ certPem: pair.fullChainPem, keyPem: pair.keyPem })
    );
    const before = await sClient(port);
    assert.equal(before.fingerprintSha256, fixture.store.certificateStatus().fingerprintSha256);

    const early = await Deno.connectTls({ hostname: "localhost", port, caCerts: [first.certPem] });
    assert.equal(await roundTrip(early, "before the swap"), "before the swap");

    assert.equal((await fixture.store.generateSelfSigned()).ok, true);
    const second = fixture.store.certificateStatus().fingerprintSha256;
    assert.notEqual(second, before.fingerprintSha256);
    assert.equal(listener.swaps, 1);

    const after = await sClient(port);
    assert.equal(
      after.fingerprintSha256,
      second,
      "a connection opened after the swap sees the new certificate",
    );
    assert.equal(
      await roundTrip(early, "after the swap"),
      "after the swap",
      "the earlier connection still works",
    );

    // A client that trusts only the old certificate can no longer open a new connection.
    await assert.rejects(async () => {
      const late = await Deno.connectTls({ hostname: "localhost", port, caCerts: [first.certPem] });
      try {
        await late.handshake();
      } finally {
        late.close();
      }
    }, /certificate|UnknownIssuer/i);
    early.close();
  } finally {
    listener.close();
    await serving;
    await fixture.cleanup();
  }
});

Deno.test("closing the listener keeps accepted connections open and frees the port", async () => {
  const fixture = await startStore();
  const pair = fixture.store.current();
  const listener = await listenOnLoopback(pair);
  const port = listener.addr.port;
  try {
    const accepted = listener.accept();
    const client = await Deno.connectTls({ hostname: "localhost", port, caCerts: [pair.certPem] });
    const server = await accepted;
    echo(server);
    listener.close();
    await assert.rejects(listener.accept(), Deno.errors.BadResource);
    assert.equal(await roundTrip(client, "still here"), "still here");
    client.close();
    // The port can be opened again at once.
    const again = await HotSwapTlsListener.listen({
      hostname: "127.0.0.1",
      port,
      certPem: pair.fullChainPem,
      keyPem: pair.keyPem,
    });
    again.close();
  } finally {
    listener.close();
    await fixture.cleanup();
  }
});

Deno.test("a port in use is reported as a ListenError naming the port", async () => {
  const fixture = await startStore();
  const pair = fixture.store.current();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      HotSwapTlsListener.listen({
        hostname: "127.0.0.1",
        port: blocker.addr.port,
        certPem: pair.fullChainPem,
        keyPem: pair.keyPem,
      }),
      (error: unknown) =>
        error instanceof ListenError && error.problem === "address_in_use" &&
        error.message.includes(`port ${blocker.addr.port} is already in use`),
    );
  } finally {
    blocker.close();
    await fixture.cleanup();
  }
});

Deno.test("a client that never completes the handshake is dropped and reported, and others are served meanwhile", async () => {
  const fixture = await startStore();
  const pair = fixture.store.current();
  const failures: string[] = [];
  const listener = await listenOnLoopback(pair, {
    handshakeTimeoutMs: 300,
    onHandshakeError: (error) => failures.push(error.message),
  });
  const serving = (async () => {
    for await (const conn of listener) echo(conn);
  })();
  try {
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    const good = await Deno.connectTls({
      hostname: "localhost",
      port: listener.addr.port,
      caCerts: [pair.certPem],
    });
    assert.equal(await roundTrip(good, "served"), "served");
    // The silent client is cut off by the handshake timeout: its read ends (EOF or reset).
    const ended = await silent.read(new Uint8Array(1)).catch(() => null);
    assert.equal(ended, null);
    assert.equal(failures.length, 1);
    silent.close();
    good.close();
  } finally {
    listener.close();
    await serving;
    await fixture.cleanup();
  }
});

Deno.test("writing to a client that has gone rejects the write instead of ending the process", async () => {
  const fixture = await startStore();
  const pair = fixture.store.current();
  const listener = await listenOnLoopback(pair);
  try {
    const accepted = listener.accept();
    const client = await Deno.connectTls({
      hostname: "localhost",
      port: listener.addr.port,
      caCerts: [pair.certPem],
    });
    const server = await accepted;
    client.close();
    assert.equal(await server.read(new Uint8Array(8)).catch(() => null), null);
    const chunk = new Uint8Array(64 * 1024);
    let rejected = false;
    for (let i = 0; i < 50 && !rejected; i++) {
      rejected = await server.write(chunk).then(() => false, () => true);
    }
    assert.ok(rejected, "a write to a closed peer must eventually reject");
    server.close();
  } finally {
    listener.close();
    await fixture.cleanup();
  }
});

import assert from "node:assert/strict";
import { sendAtOnce } from "../../../src/net/no_delay.ts";

/** A real accepted TCP connection whose setNoDelay calls are recorded. */
async function recordedTcpPair() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  listener.close();
  const calls: (boolean | undefined)[] = [];
  const original = server.setNoDelay.bind(server);
  server.setNoDelay = (noDelay?: boolean) => {
    calls.push(noDelay);
    original(noDelay);
  };
  return { server, calls, close: () => [client, server].forEach((conn) => conn.close()) };
}

Deno.test("a TCP connection gets TCP_NODELAY, so small frames are not held for the peer's ACK", async () => {
  const pair = await recordedTcpPair();
  try {
    sendAtOnce(pair.server);
    assert.deepEqual(pair.calls, [true]);
  } finally {
    pair.close();
  }
});

Deno.test("a connection without socket options (TLS in Deno) is left as it is", () => {
  const tlsLike = { close() {} } as unknown as Deno.Conn;
  sendAtOnce(tlsLike);
});

Deno.test("a connection already closed does not make sendAtOnce throw", async () => {
  const pair = await recordedTcpPair();
  pair.close();
  sendAtOnce(pair.server);
  assert.deepEqual(pair.calls, [true]);
});

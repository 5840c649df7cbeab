// The HTTP/1.1 POST client against real sockets on 127.0.0.1: a server written byte by byte here, so each
// framing (Content-Length, chunked, until close, 1xx first) and each way a server ends a connection is
// exactly what the test says; and Deno's own HTTP server for the everyday case.

import assert from "node:assert/strict";
import { Http1Client, Http1ProtocolError } from "../../../src/net/http1_client.ts";
import { selfSignedForLocalhost } from "../../support/openssl_certificate.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Seen {
  connections: number;
  requests: string[];
}

/**
 * A server that reads each request (head and Content-Length body) and writes `answer(n)` for the n-th
 * request of the whole server (0 first); "hang" answers nothing, "close" closes the connection.
 */
function rawServer(answer: (n: number) => string | "hang" | "close") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: Seen = { connections: 0, requests: [] };
  const sockets: Deno.Conn[] = [];
  (async () => {
    for await (const socket of listener) {
      seen.connections++;
      sockets.push(socket);
      void serve(socket);
    }
  })().catch(() => {});
  async function serve(socket: Deno.Conn) {
    let pending = "";
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await socket.read(buffer);
        if (n === null) return;
        pending += decoder.decode(buffer.subarray(0, n));
        for (;;) {
          const end = pending.indexOf("\r\n\r\n");
          if (end < 0) break;
          const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
          if (pending.length < end + 4 + length) break;
          seen.requests.push(pending.slice(0, end + 4 + length));
          pending = pending.slice(end + 4 + length);
          const reply = answer(seen.requests.length - 1);
          if (reply === "hang") continue;
          if (reply === "close") return socket.close();
          await socket.write(encoder.encode(reply));
        }
      }
    } catch {
      // closed by the test
    }
  }
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    seen,
    url: new URL(`http://127.0.0.1:${port}/hook?x=1`),
    /** Closes the server's side of every connection it accepted. */
    dropConnections() {
      for (const s of sockets.splice(0)) {
        try {
          s.close();
        } catch { /* closed */ }
      }
    },
    close() {
      listener.close();
      this.dropConnections();
    },
  };
}

/** A raw server and a client for one test, both closed after it. */
async function withRawServer(
  answer: Parameters<typeof rawServer>[0],
  options: ConstructorParameters<typeof Http1Client>[0],
  test: (server: ReturnType<typeof rawServer>, client: Http1Client) => Promise<void>,
): Promise<void> {
  const server = rawServer(answer);
  const client = new Http1Client(options);
  try {
    await test(server, client);
  } finally {
    client.close();
    server.close();
  }
}

const ok = (body = "ok", extra = "") =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;
const post = (client: Http1Client, url: URL, body = '{"a":1}', signal?: AbortSignal) =>
  client.post({
    url,
    headers: { "content-type": "application/json", "x-test": "yes" },
    body: encoder.encode(body),
    signal,
  });

Deno.test({
  ...opts,
  name: "http1 client: two POSTs share one kept connection; the request carries host, headers, path and body",
  fn: async () => {
    await withRawServer(() => ok("fine"), { answerBytes: 4096 }, async (server, client) => {
      assert.deepEqual(await post(client, server.url, '{"n":1}'), { status: 200, text: "fine" });
      assert.deepEqual(await post(client, server.url, '{"n":2}'), { status: 200, text: "fine" });
      assert.equal(server.seen.connections, 1);
      assert.equal(client.opened, 1);
      const [first] = server.seen.requests;
      assert.match(first, /^POST \/hook\?x=1 HTTP\/1\.1\r\n/);
      assert.match(first, new RegExp(`\r\nhost: 127\\.0\\.0\\.1:${server.url.port}\r\n`));
      assert.match(first, /\r\nx-test: yes\r\n/);
      assert.match(first, /\r\ncontent-length: 7\r\n\r\n\{"n":1\}$/);
    });
  },
});

Deno.test({
  ...opts,
  name: "http1 client: a chunked answer is read whole and its connection kept; Connection: close is obeyed",
  fn: async () => {
    const chunked =
      "HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\nbad \r\n5\r\nthing\r\n0\r\nx-trailer: 1\r\n\r\n";
    const answer = (n: number) => (n === 0 ? chunked : n === 1 ? ok("bye", "connection: close\r\n") : ok());
    await withRawServer(
      answer,
      { answerBytes: 4096 },
      async (server, client) => {
        assert.deepEqual(await post(client, server.url), { status: 500, text: "bad thing" });
        assert.deepEqual(await post(client, server.url), { status: 200, text: "bye" });
        assert.equal(server.seen.connections, 1, "the chunked answer left the connection usable");
        assert.deepEqual(await post(client, server.url), { status: 200, text: "ok" });
        assert.equal(server.seen.connections, 2, "a new connection after Connection: close");
      },
    );
  },
});

Deno.test({
  ...opts,
  name:
    "http1 client: a kept connection the server closed while idle is replaced and the POST sent once more",
  fn: async () => {
    await withRawServer(() => ok(), { answerBytes: 4096 }, async (server, client) => {
      await post(client, server.url);
      server.dropConnections();
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await post(client, server.url), { status: 200, text: "ok" });
      assert.equal(server.seen.connections, 2);
      assert.equal(server.seen.requests.length, 2, "the second POST reached the server once");
    });
  },
});

Deno.test({
  ...opts,
  name: "http1 client: a fresh connection closed before an answer is an error, not a retry",
  fn: async () => {
    await withRawServer(() => "close", { answerBytes: 4096 }, async (server, client) => {
      await assert.rejects(() => post(client, server.url), Http1ProtocolError);
      assert.equal(server.seen.requests.length, 1);
    });
  },
});

Deno.test({
  ...opts,
  name: "http1 client: an abort while the server says nothing ends the POST at once with the abort's reason",
  fn: async () => {
    await withRawServer(() => "hang", { answerBytes: 4096 }, async (server, client) => {
      const attempt = new AbortController();
      const started = Date.now();
      setTimeout(() => attempt.abort(new Error("timed out (test)")), 50);
      await assert.rejects(() => post(client, server.url, "{}", attempt.signal), /timed out \(test\)/);
      assert.ok(Date.now() - started < 1000);
    });
  },
});

Deno.test({
  ...opts,
  name:
    "http1 client: 1xx answers are skipped; a body longer than the drain limit is cut to the kept bytes and its connection closed",
  fn: async () => {
    const long = "y".repeat(5000);
    await withRawServer(
      (n) =>
        n === 0
          ? `HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${ok("after hints")}`
          : n === 1
          ? `HTTP/1.1 200 OK\r\ncontent-length: ${long.length}\r\n\r\n${long}`
          : ok(),
      { answerBytes: 10, drainBytes: 1000 },
      async (server, client) => {
        assert.deepEqual(await post(client, server.url), { status: 200, text: "after hint" });
        assert.deepEqual(await post(client, server.url), { status: 200, text: "yyyyyyyyyy" });
        await post(client, server.url);
        assert.equal(server.seen.connections, 2, "the over-long answer's connection was not kept");
      },
    );
  },
});

Deno.test({
  ...opts,
  name: "http1 client: an answer that is not HTTP is a protocol error naming the URL",
  fn: async () => {
    await withRawServer(() => "SSH-2.0-OpenSSH\r\n\r\n", { answerBytes: 4096 }, async (server, client) => {
      await assert.rejects(() => post(client, server.url), (e: Error) => {
        assert.ok(e instanceof Http1ProtocolError);
        assert.match(e.message, /not an HTTP\/1\.1 status line: SSH-2\.0/);
        assert.match(e.message, new RegExp(server.url.port));
        return true;
      });
    });
  },
});

Deno.test({
  ...opts,
  name: "http1 client: against Deno's HTTP server, 200 POSTs in order on one connection, each body intact",
  fn: async () => {
    const bodies: string[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
      bodies.push(await request.text());
      return new Response(`got ${bodies.length}`, { status: 201 });
    });
    const client = new Http1Client({ answerBytes: 4096 });
    try {
      const url = new URL(`http://127.0.0.1:${server.addr.port}/in`);
      for (let i = 0; i < 200; i++) {
        const answer = await post(client, url, JSON.stringify({ i, text: "é".repeat(i) }));
        assert.deepEqual(answer, { status: 201, text: `got ${i + 1}` });
      }
      assert.equal(client.opened, 1);
      assert.deepEqual(bodies.map((b) => JSON.parse(b).i), Array.from({ length: 200 }, (_, i) => i));
      assert.equal(JSON.parse(bodies[199]).text, "é".repeat(199));
    } finally {
      client.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "http1 client: https to a server whose certificate it trusts, on one kept connection; an untrusted one is refused",
  fn: async () => {
    const { certPem, keyPem } = await selfSignedForLocalhost();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, cert: certPem, key: keyPem, onListen: () => {} },
      async (request) => new Response(`tls ${(await request.text()).length}`),
    );
    const trusting = new Http1Client({ answerBytes: 4096, caCerts: [certPem] });
    const plain = new Http1Client({ answerBytes: 4096 });
    try {
      const url = new URL(`https://localhost:${server.addr.port}/hook`);
      assert.deepEqual(await post(trusting, url, "{}"), { status: 200, text: "tls 2" });
      assert.deepEqual(await post(trusting, url, "{}"), { status: 200, text: "tls 2" });
      assert.equal(trusting.opened, 1);
      await assert.rejects(() => post(plain, url, "{}"), /certificate/i);
    } finally {
      trusting.close();
      plain.close();
      await server.shutdown();
    }
  },
});

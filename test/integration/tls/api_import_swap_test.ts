import assert from "node:assert/strict";
import { Hono } from "hono";
import { createTlsApi } from "../../../src/http/api/tls_api.ts";
import type { HttpEnv } from "../../../src/http/context.ts";
import { HotSwapHttpsServer } from "../../../src/tls/https_server.ts";
import { HotSwapTlsListener } from "../../../src/tls/tls_listener.ts";
import { OpensslWorkspace } from "../../unit/tls/openssl_ca.ts";
import { startStore } from "../../unit/tls/store_fixture.ts";
import { sClient } from "./s_client.ts";

Deno.test("an import through the API reaches the CSTA TLS port and the HTTPS port; an earlier TLS session keeps working", async () => {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  const { store } = fixture;
  const generated = store.current();

  // The CSTA TLS listener stand-in: echoes what a session sends.
  const csta = await HotSwapTlsListener.listen({
    hostname: "127.0.0.1",
    port: 0,
    certPem: generated.fullChainPem,
    keyPem: generated.keyPem,
  });
  const serving = (async () => {
    for await (const conn of csta) conn.readable.pipeTo(conn.writable).catch(() => {});
  })();
  const web = new Hono<HttpEnv>().route("/api/tls", createTlsApi(store));
  const https = HotSwapHttpsServer.start({
    hostname: "127.0.0.1",
    port: 0,
    certPem: generated.fullChainPem,
    keyPem: generated.keyPem,
    handler: (request) => web.fetch(request, { remoteAddress: "127.0.0.1", secure: true }),
  });
  // The wiring the composition root does: every change goes to both listeners.
  const swaps: Promise<void>[] = [];
  store.onChange((pair) => {
    csta.setCertificate({ certPem: pair.fullChainPem, keyPem: pair.keyPem });
    swaps.push(https.setCertificate({ certPem: pair.fullChainPem, keyPem: pair.keyPem }));
  });
  const adminClient = Deno.createHttpClient({ caCerts: [generated.certPem] });
  const session = await Deno.connectTls({
    hostname: "localhost",
    port: csta.addr.port,
    caCerts: [generated.certPem],
  });
  const say = async (text: string) => {
    await session.write(new TextEncoder().encode(text));
    const buffer = new Uint8Array(text.length);
    for (let got = 0; got < text.length;) {
      const n = await session.read(buffer.subarray(got));
      if (n === null) throw new Error("session ended");
      got += n;
    }
    return new TextDecoder().decode(buffer);
  };
  try {
    const before = store.certificateStatus().fingerprintSha256;
    assert.equal((await sClient(csta.addr.port)).fingerprintSha256, before);
    assert.equal((await sClient(https.addr.port)).fingerprintSha256, before);
    assert.equal(await say("MonitorStart"), "MonitorStart");

    const { root, intermediate, leaf } = await w.chain();
    const response = await fetch(`https://localhost:${https.addr.port}/api/tls/import/pem`, {
      client: adminClient,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ certificate: leaf.certPem, chain: intermediate.certPem, key: leaf.keyPem }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    await response.body?.cancel();
    await Promise.all(swaps);

    const imported = store.certificateStatus().fingerprintSha256;
    assert.notEqual(imported, before);
    const onCsta = await sClient(csta.addr.port, ["-CAfile", root.certPath, "-verify_return_error"]);
    assert.equal(onCsta.fingerprintSha256, imported);
    assert.match(onCsta.output, /Verify return code: 0 \(ok\)/);
    assert.equal((await sClient(https.addr.port)).fingerprintSha256, imported);
    assert.equal(
      await say("still monitoring"),
      "still monitoring",
      "the session opened before the import works on",
    );
  } finally {
    session.close();
    adminClient.close();
    csta.close();
    await serving;
    await https.shutdown();
    await fixture.cleanup();
    await w.cleanup();
  }
});

import assert from "node:assert/strict";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HotSwapHttpsServer } from "../../../src/tls/https_server.ts";
import { ListenError } from "../../../src/net/listen_error.ts";
import { startStore } from "../../unit/tls/store_fixture.ts";
import { sClient } from "./s_client.ts";

function testApp(release: Promise<void>): Hono {
  const app = new Hono();
  app.get("/", (c) => c.text("hello"));
  // Answers only when the test says so, to hold a request open across a certificate change.
  app.get("/slow", async (c) => {
    await release;
    return c.text("slow answer");
  });
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      for (let i = 0; i < 6; i++) {
        await stream.writeSSE({ data: `tick ${i}` });
        await stream.sleep(30);
      }
    }));
  return app;
}

Deno.test("HTTPS: after a change new connections get the new certificate; a request and an SSE stream begun before finish", async () => {
  const fixture = await startStore();
  const first = fixture.store.current();
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const server = HotSwapHttpsServer.start({
    hostname: "127.0.0.1",
    port: 0,
    certPem: first.fullChainPem,
    keyPem: first.keyPem,
    handler: testApp(released).fetch,
  });
  const port = server.addr.port;
  const oldClient = Deno.createHttpClient({ caCerts: [first.certPem] });
  try {
    assert.equal(
      (await sClient(port)).fingerprintSha256,
      fixture.store.certificateStatus().fingerprintSha256,
    );

    const slow = fetch(`https://localhost:${port}/slow`, { client: oldClient }).then((r) => r.text());
    const events = await fetch(`https://localhost:${port}/events`, { client: oldClient });
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value ?? "", /tick 0/);

    assert.equal((await fixture.store.generateSelfSigned()).ok, true);
    const second = fixture.store.current();
    await server.setCertificate({ certPem: second.fullChainPem, keyPem: second.keyPem });

    assert.equal(
      (await sClient(port)).fingerprintSha256,
      fixture.store.certificateStatus().fingerprintSha256,
    );
    const newClient = Deno.createHttpClient({ caCerts: [second.certPem] });
    assert.equal(await (await fetch(`https://localhost:${port}/`, { client: newClient })).text(), "hello");
    newClient.close();

    release();
    assert.equal(await slow, "slow answer", "the request begun before the change is answered");
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
    }
    assert.match(rest, /tick 5/, "the SSE stream begun before the change runs to its end");
  } finally {
    release();
    oldClient.close();
    await server.shutdown();
    await fixture.cleanup();
  }
});

Deno.test("HTTPS: a port in use at start is a ListenError", async () => {
  const fixture = await startStore();
  const pair = fixture.store.current();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.throws(
      () =>
        HotSwapHttpsServer.start({
          hostname: "127.0.0.1",
          port: blocker.addr.port,
          certPem: pair.fullChainPem,
          keyPem: pair.keyPem,
          handler: () => new Response("never"),
        }),
      (error: unknown) => error instanceof ListenError && error.problem === "address_in_use",
    );
  } finally {
    blocker.close();
    await fixture.cleanup();
  }
});

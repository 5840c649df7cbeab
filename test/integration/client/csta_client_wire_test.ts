// The client against a bare scripted server on a real socket: the exact bytes it sends (§14), and how it
// takes every way a switch can answer, refuse, stay silent, release or abort.

import assert from "node:assert/strict";
import {
  CstaAssociationError,
  CstaClosedError,
  CstaConnectError,
  CstaTimeoutError,
} from "../../../src/client/client_errors.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { encodeAareRejected } from "../../../src/csta/acse.ts";
import { encodeFrame } from "../../../src/csta/framing.ts";
import { bytesHex, exampleApdu, exampleFrame, protocolExample } from "../../fixtures/protocol_examples.ts";
import { selfSignedForLocalhost } from "../../support/openssl_certificate.ts";
import { RawCstaPeer } from "../../support/raw_csta_peer.ts";
import { within } from "./listener_harness.ts";

const example = (name: string) => exampleApdu(protocolExample(name));
const AARE = example("AARE accepted");
const SYSTEM_STATUS = example("SystemStatus normal from the PBX");
const DELIVERED = example("EventReport Delivered");

/** A one-connection server: the test plays the switch through the accepted peer. */
async function withServer(
  test: (server: { port: number; peer: () => Promise<RawCstaPeer> }) => Promise<void>,
  listener: Deno.Listener = Deno.listen({ hostname: "127.0.0.1", port: 0 }),
): Promise<void> {
  const peers: RawCstaPeer[] = [];
  const peer = async () => {
    const accepted = new RawCstaPeer(await within(listener.accept(), 5000, "accept"));
    peers.push(accepted);
    return accepted;
  };
  try {
    await test({ port: (listener.addr as Deno.NetAddr).port, peer });
  } finally {
    for (const p of peers) p.close();
    listener.close();
  }
}

/** Connects a client and plays an accepting PBX: AARE and SystemStatus in one write. */
async function associated(
  server: { port: number; peer: () => Promise<RawCstaPeer> },
  options: Partial<Parameters<typeof CstaClient.connect>[0]> = {},
  after: Uint8Array[] = [],
) {
  const connecting = CstaClient.connect({
    hostname: "127.0.0.1",
    port: server.port,
    timeoutMs: 5000,
    releaseTimeoutMs: 100, // the scripted switch answers an RLRQ only where a test says so
    ...options,
  });
  const pbx = await server.peer();
  await pbx.waitFor(1);
  await pbx.sendBytes(concat([AARE, SYSTEM_STATUS, ...after].map((apdu) => encodeFrame(apdu))));
  const client = await within(connecting, 5000, "connect");
  return { client, pbx };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

Deno.test("the client sends the §14.1 AARQ byte for byte and answers SystemStatus with the §14.3 bytes", () =>
  withServer(async (server) => {
    const { client, pbx } = await associated(server);
    try {
      const [aarq, answer] = await pbx.waitFor(2);
      assert.equal(
        bytesHex(encodeFrame(aarq)),
        bytesHex(exampleFrame(protocolExample("AARQ Panasonic form"))),
      );
      assert.equal(bytesHex(answer), bytesHex(example("SystemStatus answer")));
      assert.equal(client.systemStatus, "normal");
    } finally {
      await client.close();
    }
  }));

Deno.test("with a login the client sends the §14.12 AARQ byte for byte", () =>
  withServer(async (server) => {
    const { client, pbx } = await associated(server, { login: { user: "user", password: "secret" } });
    try {
      assert.equal(
        bytesHex(encodeFrame(pbx.received[0])),
        bytesHex(exampleFrame(protocolExample("AARQ with a login (hypothetical layout)"))),
      );
    } finally {
      await client.close();
    }
  }));

Deno.test("frames that arrive in the same read as the AARE are kept: the event after it is delivered", () =>
  withServer(async (server) => {
    const { client } = await associated(server, {}, [DELIVERED]);
    try {
      const { value } = await within(client.events().next(), 5000, "event");
      assert.equal(value?.name, "delivered");
    } finally {
      await client.close();
    }
  }));

Deno.test("an AARE rejection fails connect with CstaAssociationError and its diagnostic (§2.3 [D])", () =>
  withServer(async (server) => {
    const connecting = CstaClient.connect({ hostname: "127.0.0.1", port: server.port, timeoutMs: 5000 });
    const refusal = assert.rejects(connecting, (error) => {
      assert.ok(error instanceof CstaAssociationError);
      assert.equal(error.result, "rejectedPermanent");
      assert.deepEqual(error.diagnostic, { kind: "acseServiceUser", value: "authenticationFailure" });
      return true;
    });
    const pbx = await server.peer();
    await pbx.waitFor(1);
    await pbx.send(encodeAareRejected());
    await within(refusal, 5000, "refusal");
    await pbx.waitClosed();
  }));

Deno.test("a switch that never answers the AARQ fails connect with CstaTimeoutError and the socket is closed", () =>
  withServer(async (server) => {
    const connecting = CstaClient.connect({ hostname: "127.0.0.1", port: server.port, timeoutMs: 200 });
    const timeout = assert.rejects(connecting, (error) => {
      assert.ok(error instanceof CstaTimeoutError);
      assert.equal(error.operation, "association");
      return true;
    });
    const pbx = await server.peer();
    await within(timeout, 5000, "association timeout");
    await pbx.waitClosed();
  }));

Deno.test("anything but an AARE in answer to the AARQ fails connect with CstaAssociationError", () =>
  withServer(async (server) => {
    const connecting = CstaClient.connect({ hostname: "127.0.0.1", port: server.port, timeoutMs: 5000 });
    const refusal = assert.rejects(connecting, /expected an AARE, got abrt/);
    const pbx = await server.peer();
    await pbx.waitFor(1);
    await pbx.send(example("ABRT"));
    await within(refusal, 5000, "refusal");
  }));

Deno.test("close sends the §14.13 RLRQ and ends once the RLRE arrives", () =>
  withServer(async (server) => {
    const { client, pbx } = await associated(server, { releaseTimeoutMs: 5000 });
    await pbx.waitFor(2);
    const closing = client.close();
    const [, , rlrq] = await pbx.waitFor(3);
    assert.equal(bytesHex(rlrq), bytesHex(example("RLRQ")));
    await pbx.send(example("RLRE"));
    await within(closing, 5000, "close");
    assert.deepEqual(await client.closed, { reason: "closed by the client", byClient: true });
    await pbx.waitClosed();
  }));

Deno.test("close does not wait past its release timeout when the RLRE never comes", () =>
  withServer(async (server) => {
    const { client, pbx } = await associated(server, { releaseTimeoutMs: 100 });
    await within(client.close(), 5000, "close");
    assert.equal((await client.closed).reason, "closed by the client (no RLRE within 100 ms)");
    await pbx.waitClosed();
  }));

Deno.test("an RLRQ from the switch is confirmed with the §14.13 RLRE and ends the client", () =>
  withServer(async (server) => {
    const { client, pbx } = await associated(server);
    await pbx.waitFor(2);
    await pbx.send(example("RLRQ"));
    const [, , rlre] = await pbx.waitFor(3);
    assert.equal(bytesHex(rlre), bytesHex(example("RLRE")));
    assert.deepEqual(await within(client.closed, 5000, "closed"), {
      reason: "the switch released the association",
      byClient: false,
    });
    await pbx.waitClosed();
  }));

Deno.test("an ABRT from the switch ends the client at once and rejects requests in flight", () =>
  withServer(async (server) => {
    const { client, pbx } = await associated(server);
    const pending = assert.rejects(client.monitorStart("201"), CstaClosedError);
    await pbx.waitFor(3);
    await pbx.send(example("ABRT"));
    await within(pending, 5000, "pending request");
    assert.equal((await client.closed).reason, "the switch aborted the association");
    await client.close();
  }));

Deno.test("a refused TCP connection fails connect with CstaConnectError", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await assert.rejects(
    CstaClient.connect({ hostname: "127.0.0.1", port, timeoutMs: 5000 }),
    CstaConnectError,
  );
});

Deno.test("a TLS server whose certificate is not trusted fails connect with CstaConnectError", async () => {
  const cert = await selfSignedForLocalhost();
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: cert.certPem, key: cert.keyPem });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = listener.accept().then((conn) =>
    conn.handshake().catch(() => {}).finally(() => conn.close())
  );
  try {
    await assert.rejects(
      CstaClient.connect({ hostname: "127.0.0.1", port, tls: {}, timeoutMs: 5000 }),
      (error) => error instanceof CstaConnectError && /certificate|UnknownIssuer/i.test(error.message),
    );
    await within(accepting, 5000, "server side");
  } finally {
    listener.close();
  }
});

import assert from "node:assert/strict";
import {
  CstaAssociationError,
  CstaClosedError,
  CstaFailureError,
  CstaTimeoutError,
} from "../../../src/client/client_errors.ts";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { connection } from "../../../src/csta/connection_id.ts";
import { dialingNumber } from "../../../src/csta/device_id.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { encodeTypedResult } from "../../../src/csta/operations.ts";
import { replaceInvokeId } from "../../../src/csta/rewrite.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import { type ListenerHarness, startListeners, until, within } from "./listener_harness.ts";

const CALL_AT_201 = connection(hexBytes("00 11"), dialingNumber("201"));
const DELIVERED_HEX = bytesHex(exampleApdu(protocolExample("EventReport Delivered")));

/** §14.6 Delivered with its callID set to `marker`, so order can be checked after the invoke IDs change. */
function deliveredWithCall(marker: number): Uint8Array {
  const callId = bytesHex(Uint8Array.of(marker >> 8, marker & 0xff));
  return hexBytes(DELIVERED_HEX.replace("80 02 00 11", `80 02 ${callId}`));
}

async function withHarness(test: (h: ListenerHarness) => Promise<void>): Promise<void> {
  const h = await startListeners();
  try {
    await test(h);
  } finally {
    await h.close();
  }
}

function connectTcp(h: ListenerHarness, extra: Partial<Parameters<typeof CstaClient.connect>[0]> = {}) {
  return within(CstaClient.connect({ hostname: "127.0.0.1", port: h.tcpPort, ...extra }), 5000, "connect");
}

Deno.test("a client associates with cstabox over TCP and hears its SystemStatus(normal)", () =>
  withHarness(async (h) => {
    const client = await connectTcp(h);
    try {
      assert.equal(client.state, "open");
      await until(() => client.systemStatus === "normal", 5000, "SystemStatus");
      assert.equal(h.board.sessions().length, 1);
      assert.equal(h.board.sessions()[0].info.transport, "tcp");
      assert.equal(client.stats().invokesAnswered, 1, "the greeting was answered");
    } finally {
      await client.close();
    }
  }));

Deno.test("invoke round trips through cstabox: typed MakeCall result and the application's MonitorStart crossRef", () =>
  withHarness(async (h) => {
    h.pbx.rules.set(
      Opcode.makeCall,
      (id) =>
        encodeTypedResult(id, "makeCall", {
          callingDevice: connection(hexBytes("00 22"), dialingNumber("201")),
        }),
    );
    const client = await connectTcp(h);
    try {
      const made = await within(client.makeCall("201", "0301234567"), 5000, "makeCall");
      assert.equal(bytesHex(made.callingDevice.callID!), "00 22");
      const crossRef = await within(client.monitorStart("201"), 5000, "monitorStart");
      assert.ok(crossRef.length > 0);
      assert.deepEqual(h.pbx.requests, [Opcode.makeCall, Opcode.monitorStart]);
    } finally {
      await client.close();
    }
  }));

Deno.test("a UniversalFailure from the PBX reaches the caller as CstaFailureError with its name", () =>
  withHarness(async (h) => {
    const generic = exampleApdu(protocolExample("ReturnError operation generic"));
    h.pbx.rules.set(Opcode.clearConnection, (id) => replaceInvokeId(generic, id));
    const client = await connectTcp(h);
    try {
      await assert.rejects(within(client.clearConnection(CALL_AT_201), 5000, "clearConnection"), (error) => {
        assert.ok(error instanceof CstaFailureError);
        assert.deepEqual(error.failure, { kind: "operation", value: "generic" });
        assert.equal(error.request.operation, "clearConnection");
        return true;
      });
    } finally {
      await client.close();
    }
  }));

Deno.test("a request the PBX never answers rejects with CstaTimeoutError and the client stays usable", () =>
  withHarness(async (h) => {
    h.pbx.rules.set(Opcode.holdCall, "never");
    const client = await connectTcp(h, { requestTimeoutMs: 200 });
    try {
      await assert.rejects(within(client.holdCall(CALL_AT_201), 5000, "holdCall"), (error) => {
        assert.ok(error instanceof CstaTimeoutError);
        assert.equal(error.request?.operation, "holdCall");
        return true;
      });
      assert.equal(client.state, "open");
      await within(client.retrieveCall(CALL_AT_201), 5000, "retrieveCall");
    } finally {
      await client.close();
    }
  }));

Deno.test("500 events from the PBX arrive through the iterator in order, typed and under the client's crossRef", () =>
  withHarness(async (h) => {
    const client = await connectTcp(h);
    try {
      const crossRef = await within(client.monitorStart("201"), 5000, "monitorStart");
      const count = 500;
      for (let marker = 0; marker < count; marker++) h.fromPbx(deliveredWithCall(marker));
      const events: ClientEvent[] = [];
      await within(
        (async () => {
          for await (const event of client.events()) {
            events.push(event);
            if (events.length === count) break;
          }
        })(),
        10_000,
        "events",
      );
      events.forEach((event, marker) => {
        assert.equal(bytesHex(event.crossRef), bytesHex(crossRef));
        assert.ok(event.event?.kind === "delivered");
        assert.equal(
          bytesHex(event.event.connection.callID!),
          bytesHex(Uint8Array.of(marker >> 8, marker & 0xff)),
        );
      });
      assert.equal(client.stats().eventsDropped, 0);
    } finally {
      await client.close();
    }
  }));

Deno.test("TLS login: a wrong password is refused with authenticationFailure, the right one is accepted as that user", () =>
  withHarness(async (h) => {
    const tls = { caCerts: h.caCerts };
    await assert.rejects(
      CstaClient.connect({
        hostname: "127.0.0.1",
        port: h.tlsPort,
        tls,
        login: { user: "admin", password: "x" },
      }),
      (error) => {
        assert.ok(error instanceof CstaAssociationError);
        assert.equal(error.result, "rejectedPermanent");
        assert.deepEqual(error.diagnostic, { kind: "acseServiceUser", value: "authenticationFailure" });
        return true;
      },
    );
    const client = await within(
      CstaClient.connect({
        hostname: "127.0.0.1",
        port: h.tlsPort,
        tls,
        login: { user: "admin", password: "admin" },
      }),
      5000,
      "TLS connect",
    );
    try {
      assert.equal(client.stats().transport, "tls");
      assert.equal(h.board.sessions()[0].info.user, "admin");
      await within(client.monitorStart("202"), 5000, "monitorStart over TLS");
    } finally {
      await client.close();
    }
  }));

Deno.test("close sends RLRQ, cstabox answers RLRE and detaches the session; requests in flight reject", () =>
  withHarness(async (h) => {
    h.pbx.rules.set(Opcode.holdCall, "never");
    const client = await connectTcp(h, { releaseTimeoutMs: 5000 });
    const pending = client.holdCall(CALL_AT_201);
    await until(() => h.pbx.requests.length === 1, 5000, "holdCall at the PBX");
    await within(client.close(), 5000, "close");
    await assert.rejects(pending, CstaClosedError);
    assert.deepEqual(await client.closed, { reason: "closed by the client", byClient: true });
    await until(() => h.board.sessions().length === 0, 5000, "session detached");
    assert.ok(
      h.logLines.some((line) => line.includes("the application released the association")),
      "cstabox saw the RLRQ (not a bare disconnect)",
    );
  }));

Deno.test("when cstabox goes away the client closes: requests in flight reject and the event iterator ends", async () => {
  const h = await startListeners();
  h.pbx.rules.set(Opcode.holdCall, "never");
  const client = await connectTcp(h);
  const pending = assert.rejects(client.holdCall(CALL_AT_201), CstaClosedError);
  const iterator = client.events();
  const waiting = iterator.next();
  await until(() => h.pbx.requests.length === 1, 5000, "holdCall at the PBX");
  await h.close();
  await within(pending, 5000, "pending request");
  assert.deepEqual(await within(waiting, 5000, "iterator"), { done: true, value: undefined });
  const closed = await client.closed;
  assert.equal(closed.byClient, false);
  await client.close();
});

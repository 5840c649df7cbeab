import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CstaAssociationError,
  CstaClosedError,
  CstaFailureError,
  CstaRejectError,
  CstaTimeoutError,
} from "../../../src/client/client_errors.ts";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import type { IncomingInvoke } from "../../../src/client/incoming_invoke.ts";
import { ManualClock } from "../../../src/clock.ts";
import { constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { connection } from "../../../src/csta/connection_id.ts";
import { CstaEncodeError } from "../../../src/csta/decode_error.ts";
import { dialingNumber } from "../../../src/csta/device_id.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { encodeTypedInvoke, encodeTypedResult } from "../../../src/csta/operations.ts";
import { peekApdu } from "../../../src/csta/peek.ts";
import { replaceInvokeId } from "../../../src/csta/rewrite.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import { ScriptedBoard, settle } from "./scripted_board.ts";

const CALL_AT_201 = connection(hexBytes("00 11"), dialingNumber("201"));
const DELIVERED = exampleApdu(protocolExample("EventReport Delivered"));

function invokeIdOf(apdu: Uint8Array): number {
  const peek = peekApdu(apdu);
  if (!("invokeId" in peek) || peek.invokeId === null) throw new Error("no invoke ID");
  return peek.invokeId;
}

function opcodeOf(apdu: Uint8Array): number {
  const peek = peekApdu(apdu);
  if (!("opcode" in peek) || peek.opcode === null) throw new Error("no opcode");
  return peek.opcode;
}

/** An EventReport like §14.6 under another invoke ID, its crossRef and a marker octet string. */
function eventWith(crossRef: string, marker: number): Uint8Array {
  const argument = constructed(0x30, [
    tlv(0x55, hexBytes(crossRef)),
    constructed(0xa0, [constructed(0xa7, [tlv(0x04, Uint8Array.of(marker))])]),
  ]);
  return encodeInvoke(marker, Opcode.cSTAEventReport, argument);
}

function open(
  board = new ScriptedBoard(),
  options: Partial<Parameters<typeof CstaClient.inProcess>[1]> = {},
) {
  const clock = new ManualClock();
  const client = CstaClient.inProcess(board, { name: "unit", seatKind: "line", clock, ...options });
  return { board, client, clock };
}

Deno.test("an in-process client answers the greeting SystemStatus with the §14.3 noData result and reports normal", async () => {
  const { board, client } = open();
  await settle();
  assert.equal(bytesHex(board.sent[0]), bytesHex(exampleApdu(protocolExample("SystemStatus answer"))));
  assert.equal(client.systemStatus, "normal");
  assert.equal(client.stats().invokesAnswered, 1);
  await client.close();
});

Deno.test("SystemStatus listeners hear each change once while every SystemStatus is answered", async () => {
  const { board, client } = open();
  const heard: [string | number, string | number | undefined][] = [];
  client.onSystemStatus((status, previous) => heard.push([status, previous]));
  await settle();
  const status = (id: number, value: number) =>
    encodeInvoke(id, Opcode.systemStatus, constructed(0x30, [tlv(0x0a, Uint8Array.of(value))]));
  board.deliver(status(2, 2));
  board.deliver(status(3, 4));
  board.deliver(status(4, 4));
  await settle();
  assert.deepEqual(heard, [["normal", undefined], ["disabled", "normal"]]);
  assert.deepEqual(board.sent.map(invokeIdOf), [1, 2, 3, 4]);
  assert.equal(client.systemStatus, "disabled");
  await client.close();
});

Deno.test("a SystemStatus listener added after the status is known hears it at once", async () => {
  const { client } = open();
  await settle();
  const heard: unknown[] = [];
  const remove = client.onSystemStatus((status, previous) => heard.push([status, previous]));
  assert.deepEqual(heard, [["normal", undefined]]);
  remove();
  await client.close();
});

Deno.test("invoke by name and by opcode resolves with the typed MonitorStart result", async () => {
  const { board, client } = open();
  board.script = (apdu) =>
    encodeTypedResult(invokeIdOf(apdu), "monitorStart", { crossRefIdentifier: hexBytes("00 00 00 07") });
  const byName = await client.invoke("monitorStart", {
    monitorObject: { kind: "deviceObject", value: dialingNumber("201") },
  });
  const byCode = await client.invoke(71, {
    monitorObject: { kind: "deviceObject", value: dialingNumber("202") },
  });
  assert.equal(bytesHex(byName.crossRefIdentifier), "00 00 00 07");
  assert.equal(bytesHex(byCode.crossRefIdentifier), "00 00 00 07");
  assert.equal(bytesHex(await client.monitorStart("203")), "00 00 00 07");
  // The §14.4 form without a filter, for device "203" under invoke ID 3.
  assert.equal(bytesHex(board.sent.at(-1)!), "A1 0F 02 01 03 02 01 47 30 07 30 05 80 03 32 30 33");
  await client.close();
});

Deno.test("invoke IDs run from 1 to 32767, then wrap to 1 and skip IDs still in flight", async () => {
  const { board, client } = open();
  await settle();
  board.sent = [];
  let held = 0;
  board.script = (apdu) => {
    if (held < 2) {
      held++;
      return undefined; // IDs 1 and 2 stay in flight
    }
    return encodeReturnResult(invokeIdOf(apdu), { opcode: 203, value: NO_DATA });
  };
  const stuck = [client.invokeRaw(203), client.invokeRaw(203)];
  for (let i = 0; i < 32765; i++) await client.invokeRaw(203);
  await client.invokeRaw(203);
  const ids = board.sent.map(invokeIdOf);
  assert.deepEqual(ids.slice(0, 3), [1, 2, 3]);
  assert.equal(ids[32766], 32767);
  assert.equal(ids[32767], 3, "after 32767 comes 1, but 1 and 2 are in flight");
  assert.equal(client.stats().requestsInFlight, 2);
  await client.close();
  await assert.rejects(Promise.all(stuck), CstaClosedError);
});

Deno.test("property: answers in any order reach the requests they belong to", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 40 }).chain((n) =>
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n })
      ),
      async (order) => {
        const { board, client } = open();
        const held: Uint8Array[] = [];
        board.script = (apdu) => void (apdu[0] === 0xa1 && held.push(apdu)); // invokes only
        const results = order.map(() => client.invokeRaw(203));
        // Each answer carries its request's invoke ID as a marker in the result value.
        for (const index of order) {
          const id = invokeIdOf(held[index]);
          board.deliver(encodeReturnResult(id, { opcode: 203, value: tlv(0x02, Uint8Array.of(id)) }));
        }
        const values = await Promise.all(results);
        values.forEach((result, index) => assert.equal(result.value![2], invokeIdOf(held[index])));
        await client.close();
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("a request nobody answers rejects with CstaTimeoutError; its late answer is counted, not delivered", async () => {
  const { board, client, clock } = open(new ScriptedBoard(), { requestTimeoutMs: 5000 });
  await settle();
  const held = client.holdCall(CALL_AT_201);
  clock.advance(4999);
  assert.equal(client.stats().requestsInFlight, 1);
  clock.advance(1);
  await assert.rejects(held, (error: unknown) => {
    assert.ok(error instanceof CstaTimeoutError);
    assert.equal(error.timeoutMs, 5000);
    assert.equal(error.request?.operation, "holdCall");
    assert.equal(error.request?.invokeId, 1);
    return true;
  });
  board.deliver(encodeReturnResult(1, { opcode: Opcode.holdCall, value: NO_DATA }));
  await settle();
  assert.equal(client.stats().unmatchedAnswers, 1);
  assert.equal(client.stats().requestsInFlight, 0);
  await client.close();
});

Deno.test("a per-call timeout overrides the client's", async () => {
  const { client, clock } = open(new ScriptedBoard(), { requestTimeoutMs: 60_000 });
  const request = client.invokeRaw("getSwitchingFunctionCaps", undefined, { timeoutMs: 10 });
  clock.advance(10);
  await assert.rejects(request, CstaTimeoutError);
  await client.close();
});

Deno.test("a ReturnError becomes CstaFailureError with the named UniversalFailure (§14.10)", async () => {
  const { board, client } = open();
  const failure = exampleApdu(protocolExample("ReturnError state invalidObjectState"));
  board.script = (apdu) => replaceInvokeId(failure, invokeIdOf(apdu));
  await assert.rejects(client.clearConnection(CALL_AT_201), (error: unknown) => {
    assert.ok(error instanceof CstaFailureError);
    assert.deepEqual(error.failure, { kind: "stateIncompatibility", value: "invalidObjectState" });
    assert.equal(error.errorCode, 1);
    assert.equal(error.request.operation, "clearConnection");
    assert.match(error.message, /stateIncompatibility\/invalidObjectState/);
    return true;
  });
  await client.close();
});

Deno.test("a Reject becomes CstaRejectError with the named problem (§14.10)", async () => {
  const { board, client } = open();
  const reject = exampleApdu(protocolExample("Reject invoke unrecognizedOperation"));
  board.script = (apdu) => replaceInvokeId(reject, invokeIdOf(apdu));
  await assert.rejects(client.invokeRaw(203), (error: unknown) => {
    assert.ok(error instanceof CstaRejectError);
    assert.deepEqual(error.problem, { kind: "invoke", value: "unrecognizedOperation" });
    assert.equal(error.request.opcode, 203);
    return true;
  });
  await client.close();
});

Deno.test("operations without a codec go raw: bytes in, the result's bytes out", async () => {
  const { board, client } = open();
  board.script = (apdu) =>
    encodeReturnResult(invokeIdOf(apdu), { opcode: opcodeOf(apdu), value: hexBytes("30 00") });
  await settle();
  const result = await client.invoke("getSwitchingFunctionCaps", hexBytes("30 00"));
  assert.equal(result.opcode, 203);
  assert.equal(bytesHex(result.value!), "30 00");
  assert.equal(bytesHex(board.sent.at(-1)!), "A1 09 02 01 01 02 02 00 CB 30 00");
  await client.close();
});

Deno.test("a typed argument for an operation without a codec is refused before anything is sent", async () => {
  const { board, client } = open();
  await settle();
  const before = board.sent.length;
  // deno-lint-ignore no-explicit-any
  await assert.rejects(client.invoke("getSwitchingFunctionCaps" as any, {} as any), TypeError);
  assert.equal(board.sent.length, before);
  await client.close();
});

Deno.test("an argument that cannot be encoded rejects with CstaEncodeError and leaves its invoke ID free", async () => {
  const { board, client } = open();
  board.script = (apdu) => encodeReturnResult(invokeIdOf(apdu), { opcode: opcodeOf(apdu), value: NO_DATA });
  await settle();
  await assert.rejects(client.makeCall("201", "0€"), CstaEncodeError);
  await client.answerCall(CALL_AT_201);
  assert.equal(invokeIdOf(board.sent.at(-1)!), 1);
  await client.close();
});

Deno.test("a CDR report from the switch is answered with the §14.11 noData result when nobody handles it", async () => {
  const { board, client } = open();
  await settle();
  board.deliver(
    encodeTypedInvoke(42, "cDRReport", {
      cdrCrossRefID: hexBytes("01"),
      numberOfRecordsSent: 1,
      cdrInfo: [{ recordCreationTime: "20260101120000" }],
    }),
  );
  await settle();
  assert.equal(bytesHex(board.sent.at(-1)!), bytesHex(exampleApdu(protocolExample("Answer to a CDRReport"))));
  await client.close();
});

Deno.test("onInvoke sees the typed argument and its reply is sent: result, failure, or operation/generic when it throws", async () => {
  const seen: IncomingInvoke[] = [];
  const { board, client } = open(new ScriptedBoard(), {
    onError: () => {},
    onInvoke: (invoke) => {
      seen.push(invoke);
      if (invoke.invokeId === 10) {
        return { kind: "failure", failure: { kind: "operation", value: "invalidCrossRefID" } };
      }
      if (invoke.invokeId === 11) throw new Error("handler bug");
      if (invoke.invokeId === 12) return Promise.resolve({ kind: "result", value: hexBytes("30 00") });
    },
  });
  await settle();
  const report = encodeTypedInvoke(10, "cDRReport", {
    cdrCrossRefID: hexBytes("01"),
    numberOfRecordsSent: 1,
    cdrInfo: [{ recordCreationTime: "20260101120000", connectionDuration: 125 }],
  });
  board.deliver(report);
  board.deliver(replaceInvokeId(report, 11));
  board.deliver(replaceInvokeId(report, 12));
  await settle();
  const typed = seen[0].typed;
  assert.ok(typed?.operation === "cDRReport");
  assert.equal(typed.argument.cdrInfo[0].connectionDuration, 125);
  const answers = board.sent.slice(-3).map(bytesHex);
  assert.equal(answers[0], "A3 0B 02 01 0A 02 01 01 A0 03 0A 01 11");
  assert.equal(answers[1], "A3 0B 02 01 0B 02 01 01 A0 03 0A 01 01");
  assert.equal(answers[2], "A2 0B 02 01 0C 30 06 02 02 01 69 30 00");
  await client.close();
});

Deno.test("invokes the switch expects no answer to (SwitchingFunctionDevices) reach the handler and stay unanswered", async () => {
  const seen: IncomingInvoke[] = [];
  const { board, client } = open(new ScriptedBoard(), { onInvoke: (invoke) => void seen.push(invoke) });
  await settle();
  const before = board.sent.length;
  board.deliver(
    encodeTypedInvoke(5, "switchingFunctionDevices", {
      serviceCrossRefID: hexBytes("09"),
      lastSegment: true,
      deviceList: [{ deviceID: dialingNumber("201") }],
    }),
  );
  await settle();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].answerExpected, false);
  assert.equal(board.sent.length, before);
  await client.close();
});

Deno.test("EventReports arrive in order with their crossRef and name; past the buffer the oldest are dropped and counted", async () => {
  const { board, client } = open(new ScriptedBoard(), { eventBufferSize: 3 });
  board.deliver(DELIVERED);
  for (let marker = 1; marker <= 4; marker++) board.deliver(eventWith("00 00 00 02", marker));
  await settle();
  assert.equal(client.stats().eventsDropped, 2);
  const events: ClientEvent[] = [];
  for await (const event of client.events()) {
    events.push(event);
    if (events.length === 3) break;
  }
  assert.deepEqual(events.map((e) => e.invokeId), [2, 3, 4]);
  assert.deepEqual(events.map((e) => e.name), ["established", "established", "established"]);
  assert.equal(bytesHex(events[0].crossRef), "00 00 00 02");
  // Not a real Established (fields missing): the name and bytes stay, with the reason it did not decode.
  assert.equal(events[0].event, undefined);
  assert.match(events[0].decodeError?.message ?? "", /established/);
  assert.equal(client.stats().eventsReceived, 5);
  await client.close();
});

Deno.test("the §14.6 Delivered event is passed on with crossRef 00000001 and name delivered, and never answered", async () => {
  const { board, client } = open();
  await settle();
  const before = board.sent.length;
  board.deliver(DELIVERED);
  const { value } = await client.events().next();
  assert.equal(value?.name, "delivered");
  assert.ok(value.event?.kind === "delivered");
  assert.equal(value.event.cause, "newCall");
  assert.equal(value.event.localConnectionInfo, "alerting");
  assert.equal(bytesHex(value!.crossRef), "00 00 00 01");
  assert.equal(bytesHex(value!.apdu), bytesHex(DELIVERED));
  assert.equal(board.sent.length, before);
  await client.close();
});

Deno.test("an EventReport without a crossRef is counted as malformed and not passed on", async () => {
  const { board, client } = open();
  board.deliver(encodeInvoke(9, Opcode.cSTAEventReport, hexBytes("30 03 04 01 00")));
  await settle();
  assert.equal(client.stats().eventsMalformed, 1);
  assert.equal(client.stats().eventsBuffered, 0);
  await client.close();
});

Deno.test("an unreadable frame is answered with the NULL-id Reject general/badlyStructuredPDU", async () => {
  const { board, client } = open();
  await settle();
  board.deliver(hexBytes("A1 05 02 01"));
  await settle();
  assert.equal(bytesHex(board.sent.at(-1)!), "A4 05 05 00 80 01 02");
  assert.equal(client.stats().malformedFrames, 1);
  await client.close();
});

Deno.test("an unreadable frame with a readable invoke ID is rejected under that ID, an unknown type as unrecognizedPDU", async () => {
  const { board, client } = open();
  await settle();
  board.deliver(hexBytes("A1 06 02 01 05 02 01 15 FF"));
  await settle();
  assert.equal(bytesHex(board.sent.at(-1)!), "A4 06 02 01 05 80 01 02");
  board.deliver(hexBytes("30 03 02 01 05"));
  await settle();
  assert.equal(bytesHex(board.sent.at(-1)!), "A4 05 05 00 80 01 00");
  await client.close();
});

Deno.test("close detaches the session, rejects requests in flight, ends the event iterator and is idempotent", async () => {
  const { board, client } = open();
  const pending = client.snapshotDevice("201");
  const iterator = client.events();
  const waiting = iterator.next();
  const first = client.close();
  const second = client.close();
  assert.equal(first, second);
  await first;
  await assert.rejects(pending, (error: unknown) => {
    assert.ok(error instanceof CstaClosedError);
    assert.equal(error.request?.operation, "snapshotDevice");
    return true;
  });
  assert.deepEqual(await waiting, { done: true, value: undefined });
  assert.equal(board.detachedWith, "closed by the client");
  assert.deepEqual(await client.closed, { reason: "closed by the client", byClient: true });
  await assert.rejects(client.monitorStart("201"), CstaClosedError);
  assert.equal(client.state, "closed");
});

Deno.test("when the Switchboard closes the session the client closes and says why", async () => {
  const { board, client } = open();
  const pending = client.retrieveCall(CALL_AT_201);
  board.port!.close("10 malformed frames in a row");
  assert.deepEqual(await client.closed, { reason: "10 malformed frames in a row", byClient: false });
  await assert.rejects(pending, CstaClosedError);
  assert.equal(board.detachedWith, "10 malformed frames in a row");
});

Deno.test("a refused attach throws CstaAssociationError with the Switchboard's reason", () => {
  const board = new ScriptedBoard();
  board.refuse = "CTI application limit reached (1)";
  assert.throws(
    () => CstaClient.inProcess(board, { name: "x", seatKind: "line" }),
    (error: unknown) => error instanceof CstaAssociationError && /limit reached/.test(error.message),
  );
});

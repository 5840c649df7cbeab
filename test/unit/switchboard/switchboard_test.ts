// The Switchboard's dispatcher: forwarding under the application's own invoke ID, failures while the link is
// down, limits, malformed frames, local SystemStatus answers, the event filter on fan-out, the queue budget.

import assert from "node:assert/strict";
import { concatBytes } from "../../../src/csta/ber_writer.ts";
import { encodeInvoke } from "../../../src/csta/rose.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import type { Session } from "../../../src/switchboard/session.ts";
import { constructed } from "../../../src/csta/ber_writer.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import {
  crossRefOf,
  delivered,
  deviceByNumber,
  flush,
  hex,
  monitorStart,
  pbxRead,
  pbxXrefResult,
  setup,
} from "./board_fixture.ts";

Deno.test("an application's filter suppresses events for it alone", async () => {
  const { pbx, board, connect } = setup();
  const quiet = connect("quiet");
  const loud = connect("loud");
  // callControl bit 3 = delivered (§8.1): `A0 04 80 02 04 10`
  quiet.send(monitorStart(1, deviceByNumber("201"), hex("A0 04 80 02 04 10")));
  loud.send(monitorStart(1, deviceByNumber("201")));
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  quiet.port.take();
  loud.port.take();
  const event = delivered(9, hex("00000001"));
  pbxRead(board, event);
  assert.equal(quiet.port.delivered.length, 0);
  assert.equal(loud.port.delivered.length, 1);
});

Deno.test("a read's events reach each application together, in the PBX's order across monitors, its write begun before the next application's", async () => {
  const { pbx, board, connect } = setup();
  const a = connect("a");
  const b = connect("b");
  a.send(monitorStart(1, deviceByNumber("201")));
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  a.send(monitorStart(2, deviceByNumber("202")));
  pbx.answer(1, pbxXrefResult(hex("00000002")));
  b.send(monitorStart(1, deviceByNumber("202")));
  await flush();
  const [a201, a202] = a.port.take().map(crossRefOf).map((x) => x.toHex());
  const b202 = crossRefOf(b.port.take()[0]).toHex();
  const journal: string[] = [];
  for (const [name, app] of [["a", a], ["b", b]] as const) {
    app.port.deliver = (apdu) => {
      const crossRef = (peekApdu(apdu) as { crossRef: { id: Uint8Array } }).crossRef.id.toHex();
      journal.push(`${name} ${crossRef}`);
    };
    app.port.startWrite = () => journal.push(`${name} writes`);
  }
  // The call's events at 201 and 202 interleave, as the PBX sends them, in one read.
  pbxRead(board, delivered(7, hex("00000001")), delivered(8, hex("00000002")), delivered(9, hex("00000001")));
  assert.deepEqual(journal, [
    `a ${a201}`,
    `a ${a202}`,
    `a ${a201}`,
    "a writes",
    `b ${b202}`,
    "b writes",
  ]);
});

/** One application monitoring 201 under PBX crossRef 00000001, the MonitorStart answer taken. */
async function oneApplicationAt201() {
  const rig = setup();
  const app = rig.connect("app");
  app.send(monitorStart(1, deviceByNumber("201")));
  rig.pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  app.port.take();
  return { board: rig.board, app };
}

Deno.test("events read before another PBX frame reach applications before it", async () => {
  const { board, app } = await oneApplicationAt201();
  const devicesChanged = encodeInvoke(40, Opcode.swFunctionDevicesChanged, constructed(0x30, []));
  pbxRead(board, delivered(9, hex("00000001")), devicesChanged, delivered(10, hex("00000001")));
  const opcodes = app.port.decoded().map((apdu) => (apdu as { opcode?: number }).opcode);
  assert.deepEqual(opcodes, [
    Opcode.cSTAEventReport,
    Opcode.swFunctionDevicesChanged,
    Opcode.cSTAEventReport,
  ]);
});

Deno.test("events read before the PBX link is lost reach applications before the SystemStatus that says so", async () => {
  const { board, app } = await oneApplicationAt201();
  const event = delivered(9, hex("00000001"));
  board.fromPbx(event, peekApdu(event) as ApduPeek);
  board.pbxLost("connection reset");
  const opcodes = app.port.decoded().map((apdu) => (apdu as { opcode?: number }).opcode);
  assert.deepEqual(opcodes, [Opcode.cSTAEventReport, Opcode.systemStatus]);
});

Deno.test("an EventReport handed over without an end of frames still reaches applications by the end of the turn", async () => {
  const { board, app } = await oneApplicationAt201();
  const event = delivered(9, hex("00000001"));
  board.fromPbx(event, peekApdu(event) as ApduPeek);
  await Promise.resolve();
  assert.equal(app.port.delivered.length, 1);
});

Deno.test("an event is queued for every socket before the appliance's own consumers get theirs", async () => {
  const { pbx, board, connect } = setup();
  const order: string[] = [];
  const tracker = connect("call-tracker", "internal");
  const first = connect("first");
  const second = connect("second");
  tracker.send(monitorStart(1, deviceByNumber("201")));
  first.send(monitorStart(1, deviceByNumber("201")));
  second.send(monitorStart(1, deviceByNumber("201")));
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  for (const [name, app] of [["call-tracker", tracker], ["first", first], ["second", second]] as const) {
    app.port.take();
    app.port.deliver = (apdu) => {
      order.push(name);
      app.port.delivered.push(apdu);
    };
  }
  const event = delivered(9, hex("00000001"));
  pbxRead(board, event);
  // The tracker subscribed first, yet is served last: its work must not run before the sockets' writes.
  assert.deepEqual(order, ["first", "second", "call-tracker"]);
  assert.equal(tracker.port.delivered.length, 1);
});

Deno.test("requests fail fast with a ReturnError while the link is down, and on PBX timeout", async () => {
  const { pbx, connect } = setup();
  const a = connect("a");
  pbx.ready = false;
  a.send(encodeInvoke(5, Opcode.makeCall, hex("30 0A 30 03 80 01 31 30 03 80 01 32")));
  const [down] = a.port.take();
  assert.equal(down.kind, "returnError");
  assert.deepEqual((down as { failure: unknown }).failure, {
    kind: "systemResourceAvailability",
    value: "resourceOutOfService",
  });

  pbx.ready = true;
  a.send(encodeInvoke(6, Opcode.makeCall, hex("30 0A 30 03 80 01 31 30 03 80 01 32")));
  pbx.requests[0].resolve({ kind: "timeout" });
  await flush();
  const [late] = a.port.take();
  assert.equal(late.invokeId, 6);
  assert.deepEqual((late as { failure: unknown }).failure, {
    kind: "performanceManagement",
    value: "performanceLimitExceeded",
  });
});

Deno.test("forwarded requests come back under the application's own invoke ID, byte for byte otherwise", async () => {
  const { pbx, connect } = setup();
  const a = connect("a");
  const b = connect("b");
  a.send(encodeInvoke(7, Opcode.answerCall, hex("30 0F 6B 0D 30 0B 80 02 00 11 A1 05 30 03 80 01 31")));
  b.send(encodeInvoke(7, Opcode.holdCall, hex("30 0F 6B 0D 30 0B 80 02 00 12 A1 05 30 03 80 01 32")));
  pbx.answer(1);
  pbx.answer(0);
  await flush();
  assert.deepEqual(a.port.take().map((x) => [x.kind, x.invokeId]), [["returnResult", 7]]);
  assert.deepEqual(b.port.take().map((x) => [x.kind, x.invokeId]), [["returnResult", 7]]);
});

Deno.test("too many requests in flight are rejected with resourceLimitation", () => {
  const { connect } = setup();
  const a = connect("a");
  for (let id = 1; id <= 5; id++) a.send(encodeInvoke(id, Opcode.clearCall, hex("30 06 6B 04 80 02 00 11")));
  const answers = a.port.take();
  assert.equal(answers.length, 1);
  assert.deepEqual(answers[0], {
    kind: "reject",
    invokeId: 5,
    problem: { kind: "invoke", value: "resourceLimitation" },
  });
});

Deno.test("malformed frames get a Reject and repeated garbage closes that session only", () => {
  const { connect } = setup();
  const bad = connect("bad");
  const good = connect("good");
  for (let i = 0; i < 5; i++) bad.send(hex("A1 05 02 01"));
  assert.equal(bad.port.delivered.length, 5);
  assert.equal(bad.port.decoded()[0].kind, "reject");
  assert.match(bad.port.closedWith ?? "", /5 malformed frames in a row/);
  assert.equal(bad.port.closeCause, "malformed", "the server flushes the Rejects and counts closedMalformed");
  good.send(encodeInvoke(1, Opcode.systemStatus, hex("30 03 0A 01 02")));
  assert.equal(good.port.take()[0].kind, "returnResult");
  assert.equal(good.port.closedWith, undefined);
});

Deno.test("SystemStatus from an application is answered locally and never reaches the PBX", () => {
  const { pbx, connect } = setup();
  const a = connect("a");
  a.send(encodeInvoke(9, Opcode.systemStatus, hex("30 03 0A 01 02")));
  assert.equal(pbx.requests.length, 0);
  assert.deepEqual(a.port.delivered[0], concatBytes([hex("A2 0B 02 01 09 30 06 02 02 00 D3 05 00")]));
});

Deno.test("past the total queue budget the applications with most queued bytes are disconnected first", () => {
  const { board } = setup();
  const queued = [300, 50, 900, 10];
  const closed: string[] = [];
  queued.forEach((bytes, i) => {
    // As a real connection does: closing it ends the session.
    const session = board.attach({ transport: "tcp", remote: `app${i}`, seatKind: "application" }, {
      deliver: () => {},
      close: (reason) => {
        closed.push(`app${i}: ${reason}`);
        board.detach(session, reason);
      },
      queuedBytes: () => bytes,
    }) as Session;
  });
  const shed = board.shedQueuedBytes(300);
  assert.equal(shed.length, 2, "900 then 300 go; 60 bytes remain");
  assert.deepEqual(closed.map((c) => c.split(":")[0]), ["app2", "app0"]);
  assert.match(closed[0], /total queued bytes 1260 exceed the budget 300/);
  assert.deepEqual(board.shedQueuedBytes(300), []);
  assert.equal(board.status().shedForMemory, 2);
});

Deno.test("a MonitorStart reusing the invoke ID of one still waiting for the PBX gets duplicateInvocation", async () => {
  const { pbx, connect } = setup();
  const a = connect("a");
  a.send(monitorStart(4, deviceByNumber("201")));
  a.send(monitorStart(4, deviceByNumber("202")));
  assert.deepEqual(a.port.take(), [{
    kind: "reject",
    invokeId: 4,
    problem: { kind: "invoke", value: "duplicateInvocation" },
  }]);
  assert.equal(pbx.requests.length, 1);
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  assert.deepEqual(a.port.take().map((x) => [x.kind, x.invokeId]), [["returnResult", 4]]);
  a.send(monitorStart(4, deviceByNumber("202")));
  assert.equal(pbx.requests.length, 2, "once answered, the ID is free again");
});

Deno.test("an application's answer to an EventReport is told unrecognizedInvocation; to SystemStatus it is taken", () => {
  const { board, connect } = setup();
  const a = connect("a");
  board.greet(a.session); // SystemStatus under ID 1, awaiting an answer
  a.port.take();
  a.send(hex("A2 0B 02 01 01 30 06 02 02 00 D3 05 00"));
  assert.deepEqual(a.port.take(), []);
  a.send(hex("A2 03 02 01 02")); // ID 2 was never used
  assert.deepEqual(a.port.take(), [{
    kind: "reject",
    invokeId: 2,
    problem: { kind: "returnResult", value: "unrecognizedInvocation" },
  }]);
});

// Monitors through the Switchboard: one shared PBX monitor per device, crossRefs per application, seats,
// filters, a MonitorStop either way, and re-creation after the link returns (§13).

import assert from "node:assert/strict";
import { constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { peekApdu } from "../../../src/csta/peek.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { encodeInvoke } from "../../../src/csta/rose.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { SeatPool } from "../../../src/licensing/seat_pool.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import {
  crossRefOf,
  delivered,
  deviceByDeviceNumber,
  deviceByNumber,
  flush,
  hex,
  monitorStart,
  monitorStop,
  pbxRead,
  pbxXrefResult,
  setup,
} from "./board_fixture.ts";

Deno.test("three applications monitoring 101 cause one MonitorStart in the PBX and get their own crossRefs", async () => {
  const { pbx, board, connect } = setup();
  const apps = [connect("a"), connect("b"), connect("c")];
  apps[0].send(monitorStart(1, deviceByNumber("101")));
  apps[1].send(monitorStart(7, deviceByNumber("101")));
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart]);
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  apps[2].send(monitorStart(3, deviceByNumber("101")));
  assert.equal(pbx.requests.length, 1, "later applications are answered locally");
  const xrefs = apps.map((app) => crossRefOf(app.port.take()[0]));
  assert.equal(new Set(xrefs.map((x) => x.join())).size, 3);

  // A call to 101 reaches all three, each under its own crossRef, private bytes intact.
  pbxRead(board, delivered(55, hex("00000001")));
  apps.forEach((app, i) => {
    const [event] = app.port.delivered;
    const peek = peekApdu(event) as { opcode: number; crossRef: { id: Uint8Array } };
    assert.equal(peek.opcode, Opcode.cSTAEventReport);
    assert.deepEqual(peek.crossRef.id, xrefs[i]);
    assert.deepEqual(event.subarray(-20), delivered(55, hex("00000001")).subarray(-20));
  });

  // Two stop: nothing reaches the PBX; the third stops: the PBX monitor goes.
  apps[0].send(monitorStop(2, xrefs[0]));
  apps[1].send(monitorStop(8, xrefs[1]));
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart]);
  apps[2].send(monitorStop(4, xrefs[2]));
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart, Opcode.monitorStop]);
  const stop = decodeApdu(pbx.requests[1].apdu);
  assert.deepEqual(
    (stop as { argument?: { bytes: Uint8Array } }).argument?.bytes,
    constructed(0x30, [tlv(0x55, hex("00000001"))]),
  );
  for (const app of apps) {
    const answers = app.port.take().filter((a) => a.kind === "returnResult");
    assert.equal(answers.length, 1, "each MonitorStop is answered");
  }
});

Deno.test("a device named by device number shares the monitor of its dialling number", async () => {
  const directory = new DeviceDirectory();
  directory.add("101", 0x0141);
  const { pbx, connect } = setup({ directory });
  const a = connect("a");
  const b = connect("b");
  a.send(monitorStart(1, deviceByNumber("101")));
  pbx.answer(0, pbxXrefResult(hex("0A")));
  await flush();
  b.send(monitorStart(1, deviceByDeviceNumber(0x0141)));
  assert.equal(pbx.requests.length, 1);
  assert.equal(b.port.take()[0].kind, "returnResult");
});

Deno.test("an application that disconnects stops its monitors; the last one stops the PBX monitor", async () => {
  const { pbx, board, connect } = setup();
  const a = connect("a");
  a.send(monitorStart(1, deviceByNumber("102")));
  pbx.answer(0, pbxXrefResult(hex("0B")));
  await flush();
  board.detach(a.session, "closed");
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart, Opcode.monitorStop]);
});

Deno.test("a MonitorStop naming another application's crossRef, or octets of the wrong length, stops nothing", async () => {
  const { pbx, connect } = setup();
  const [a, b] = [connect("a"), connect("b")];
  a.send(monitorStart(1, deviceByNumber("101")));
  pbx.answer(0, pbxXrefResult(hex("01")));
  await flush();
  const xrefOfA = crossRefOf(a.port.take()[0]);
  assert.equal(xrefOfA.length, 4);
  const invalid = { kind: "operation", value: "invalidMonitorCrossRefID" };
  b.send(monitorStop(2, xrefOfA));
  // The same number in fewer octets is not the crossRef that was given out.
  a.send(monitorStop(3, xrefOfA.subarray(xrefOfA.findIndex((octet) => octet !== 0))));
  assert.deepEqual((b.port.take()[0] as { failure: unknown }).failure, invalid);
  assert.deepEqual((a.port.take()[0] as { failure: unknown }).failure, invalid);
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart], "no MonitorStop reached the PBX");
  a.send(monitorStop(4, xrefOfA));
  assert.equal(a.port.take()[0].kind, "returnResult");
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart, Opcode.monitorStop]);
});

Deno.test("a MonitorStop the PBX refuses is logged; one cut off by the link going down is not", async () => {
  const { pbx, board, connect, warnings } = setup();
  for (const [index, device] of ["102", "103"].entries()) {
    const app = connect(device);
    app.send(monitorStart(1, deviceByNumber(device)));
    pbx.answer(pbx.requests.length - 1, pbxXrefResult(Uint8Array.of(index + 1)));
    await flush();
    board.detach(app.session, "closed");
  }
  const [refused, cutOff] = pbx.requests.filter((_, i) => pbx.opcodes()[i] === Opcode.monitorStop);
  refused.resolve({ kind: "timeout" });
  cutOff.resolve({ kind: "linkDown" }); // the association ended, and the PBX's monitors with it
  await flush();
  assert.equal(warnings().length, 1);
  assert.match(warnings()[0], /the PBX did not confirm a MonitorStop.*"device":"102"/);
});

Deno.test("PBX link loss: applications hear disabled, then normal, and keep their crossRefs across the re-start", async () => {
  const { pbx, board, connect } = setup();
  const a = connect("a");
  a.send(monitorStart(1, deviceByNumber("101")));
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  const xref = crossRefOf(a.port.take()[0]);

  pbx.ready = false;
  board.pbxLost("connection reset");
  const [disabled] = a.port.take();
  assert.deepEqual((disabled as { argument?: { bytes: Uint8Array } }).argument?.bytes, hex("30 03 0A 01 04"));

  pbx.ready = true;
  const ready = board.pbxReady();
  assert.deepEqual(pbx.opcodes(), [Opcode.monitorStart, Opcode.monitorStart]);
  pbx.answer(1, pbxXrefResult(hex("000000FF")));
  await ready;
  const [normal] = a.port.take();
  assert.deepEqual((normal as { argument?: { bytes: Uint8Array } }).argument?.bytes, hex("30 03 0A 01 02"));

  const event = delivered(3, hex("000000FF"));
  pbxRead(board, event);
  const peek = peekApdu(a.port.delivered[0]) as { crossRef: { id: Uint8Array } };
  assert.deepEqual(peek.crossRef.id, xref, "events continue under the old crossRef");
});

Deno.test("with a 2-line licence a third monitored device is refused with objectMonitorLimitExceeded until one is released", async () => {
  const seats = new SeatPool(() => ({ ok: true, lines: 2 }));
  const { pbx, connect } = setup({ seats });
  const a = connect("a");
  a.send(monitorStart(1, deviceByNumber("101")));
  a.send(monitorStart(2, deviceByNumber("102")));
  pbx.answer(0, pbxXrefResult(hex("01")));
  pbx.answer(1, pbxXrefResult(hex("02")));
  await flush();
  const [first] = a.port.take();
  a.send(monitorStart(3, deviceByNumber("103")));
  const [refused] = a.port.take();
  assert.deepEqual((refused as { failure: unknown }).failure, {
    kind: "subscribedResourceAvailability",
    value: "objectMonitorLimitExceeded",
  });
  assert.equal(pbx.requests.length, 2, "the PBX never saw the refused device");
  a.send(monitorStop(4, crossRefOf(first)));
  a.port.take();
  a.send(monitorStart(5, deviceByNumber("103")));
  assert.equal(pbx.requests.length, 4);
});

Deno.test("ChangeMonitorFilter in the ECMA form (30) or the A0 form changes what one application receives", async () => {
  const { pbx, board, connect } = setup();
  const a = connect("a");
  a.send(monitorStart(1, deviceByNumber("201")));
  pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  const xref = crossRefOf(a.port.take()[0]);
  const event = delivered(9, hex("00000001"));
  for (const filterTag of ["30", "A0"]) {
    // suppress delivered (callControl bit 3), then report everything again
    a.send(
      encodeInvoke(
        2,
        Opcode.changeMonitorFilter,
        constructed(0x30, [tlv(0x55, xref), hex(`${filterTag} 04 80 02 04 10`)]),
      ),
    );
    const [answer] = a.port.take();
    assert.equal(answer.kind, "returnResult");
    pbxRead(board, event);
    assert.equal(a.port.delivered.length, 0, `suppressed after the ${filterTag} form`);
    a.send(
      encodeInvoke(
        3,
        Opcode.changeMonitorFilter,
        constructed(0x30, [tlv(0x55, xref), hex(`${filterTag} 00`)]),
      ),
    );
    a.port.take();
    pbxRead(board, event);
    assert.equal(a.port.take().length, 1);
  }
  assert.equal(pbx.requests.length, 1, "filters never reach the PBX");
});

Deno.test("events that follow a MonitorStart result in the same read reach the application", () => {
  const { pbx, board, connect } = setup();
  const a = connect("a");
  a.send(monitorStart(1, deviceByNumber("101")));
  // The answer is handled as its frame is read; the next frame (an event) is routed before any
  // promise settles, exactly as the PBX link does for frames of one TCP read.
  pbx.answer(0, pbxXrefResult(hex("00000009")));
  const event = delivered(4, hex("00000009"));
  pbxRead(board, event);
  const kinds = a.port.decoded().map((x) => x.kind);
  assert.deepEqual(kinds, ["returnResult", "invoke"]);
});

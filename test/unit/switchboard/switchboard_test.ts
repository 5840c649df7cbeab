import assert from "node:assert/strict";
import { concatBytes, constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA, type RoseApdu } from "../../../src/csta/rose.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { SeatPool } from "../../../src/licensing/seat_pool.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { RequestOptions, Upstream, UpstreamOutcome } from "../../../src/pbx/upstream.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import type { Session, SessionPort } from "../../../src/switchboard/session.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";

const hex = (text: string) => Uint8Array.from(text.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));

/** A PBX stand-in: records what the Switchboard sends and lets the test answer. */
class FakePbx implements Upstream {
  ready = true;
  requests: { apdu: Uint8Array; resolve: (o: UpstreamOutcome) => void; options?: RequestOptions }[] = [];
  sent: Uint8Array[] = [];
  #nextId = 100;
  request(invoke: Uint8Array, options?: RequestOptions): Promise<UpstreamOutcome> {
    if (!this.ready) return Promise.resolve({ kind: "linkDown" });
    return new Promise((resolve) => this.requests.push({ apdu: invoke, resolve, options }));
  }
  send(apdu: Uint8Array): boolean {
    this.sent.push(apdu);
    return true;
  }
  /** Answers the oldest open request with a ReturnResult built from `value` (or noData). */
  answer(index: number, value?: Uint8Array): void {
    const request = this.requests[index];
    const opcode = (peekApdu(request.apdu) as { opcode: number }).opcode;
    const id = this.#nextId++;
    const apdu = encodeReturnResult(id, { opcode, value: value ?? NO_DATA });
    // As the link does: the answer handler runs when the frame is read, the promise settles later.
    request.options?.onAnswer?.(apdu, peekApdu(apdu) as ApduPeek);
    request.resolve({ kind: "answer", apdu, peek: peekApdu(apdu) as ApduPeek });
  }
  opcodes(): number[] {
    return this.requests.map((r) => (peekApdu(r.apdu) as { opcode: number }).opcode);
  }
}

class FakePort implements SessionPort {
  delivered: Uint8Array[] = [];
  closedWith?: string;
  deliver(apdu: Uint8Array): void {
    this.delivered.push(apdu);
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
  queuedBytes(): number {
    return 0;
  }
  decoded(): RoseApdu[] {
    return this.delivered.map((d) => decodeApdu(d) as RoseApdu);
  }
  take() {
    const out = this.decoded();
    this.delivered = [];
    return out;
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(options: { seats?: SeatPool; directory?: DeviceDirectory } = {}) {
  const pbx = new FakePbx();
  const logged: string[] = [];
  const board = new Switchboard({
    upstream: pbx,
    log: new Logger("test", { sink: (line) => logged.push(line) }),
    directory: options.directory ?? new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 1000,
      requestsInFlightPerApplication: 4,
      malformedFramesBeforeClose: 5,
    }),
    seats: options.seats,
  });
  const connect = (name: string) => {
    const port = new FakePort();
    const session = board.attach(
      { transport: "tcp", remote: name, seatKind: "application" },
      port,
    ) as Session;
    return { session, port, send: (apdu: Uint8Array) => board.fromApplication(session, apdu) };
  };
  const warnings = () => logged.filter((line) => line.includes(`"level":"warn"`));
  return { pbx, board, connect, warnings };
}

const deviceByNumber = (digits: string) => constructed(0x30, [tlv(0x80, new TextEncoder().encode(digits))]);
const deviceByDeviceNumber = (n: number) => constructed(0x30, [tlv(0x81, Uint8Array.of(n >> 8, n & 0xff))]);
const monitorStart = (id: number, device: Uint8Array, filter?: Uint8Array) =>
  encodeInvoke(id, Opcode.monitorStart, constructed(0x30, filter ? [device, filter] : [device]));
const monitorStop = (id: number, xref: Uint8Array) =>
  encodeInvoke(id, Opcode.monitorStop, constructed(0x30, [tlv(0x55, xref)]));
const pbxXrefResult = (xref: Uint8Array) => constructed(0x30, [tlv(0x55, xref)]);

/** §14.6: Delivered at 201 under PBX crossRef 00000001, with a KME-style trailing private element. */
const delivered = (invokeId: number, xref: Uint8Array) =>
  encodeInvoke(
    invokeId,
    Opcode.cSTAEventReport,
    constructed(0x30, [
      tlv(0x55, xref),
      hex(
        "A0 3F A4 3D 6B 0F 30 0D 80 02 00 11 A1 07 30 05 80 03 32 30 31 63 07 30 05 80 03 32 30 31 61 0E 30 0C 80 0A 30 33 30 31 32 33 34 35 36 37 62 07 30 05 80 03 32 30 31 64 02 87 00 4E 01 02 0A 01 16",
      ),
    ]),
  );

function crossRefOf(answer: ReturnType<typeof decodeApdu>): Uint8Array {
  assert.equal(answer.kind, "returnResult");
  const value = (answer as { result?: { value?: { bytes: Uint8Array } } }).result!.value!.bytes;
  const peek = peekApdu(encodeReturnResult(1, { opcode: Opcode.monitorStart, value }));
  return (peek as { crossRef: { id: Uint8Array } }).crossRef.id.slice();
}

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
  board.fromPbx(delivered(55, hex("00000001")), peekApdu(delivered(55, hex("00000001"))) as ApduPeek);
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
  assert.match(warnings()[0], /the PBX did not confirm a MonitorStop.*n:102/);
});

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
  board.fromPbx(event, peekApdu(event) as ApduPeek);
  assert.equal(quiet.port.delivered.length, 0);
  assert.equal(loud.port.delivered.length, 1);
});

Deno.test("a second CDR application gets operation/generic; reports go to the owner and its answer to the PBX", async () => {
  const { pbx, board, connect } = setup();
  const owner = connect("owner");
  const second = connect("second");
  const startCdr = (id: number) => encodeInvoke(id, Opcode.startCDRTransmission, hex("30 03 0A 01 00"));
  owner.send(startCdr(1));
  pbx.answer(0, hex("30 03 04 01 77"));
  await flush();
  second.send(startCdr(1));
  const [refusal] = second.port.take();
  assert.equal(refusal.kind, "returnError");
  assert.deepEqual((refusal as { failure: unknown }).failure, { kind: "operation", value: "generic" });
  assert.equal(pbx.requests.length, 1, "the second start never reaches the PBX");

  // A CDR report (PBX invoke 42) goes to the owner; the owner's answer goes back under id 42.
  owner.port.take(); // the StartCDR result
  const report = encodeInvoke(42, Opcode.cDRReport, hex("30 06 04 01 77 02 01 01"));
  board.fromPbx(report, peekApdu(report) as ApduPeek);
  const forwarded = owner.port.delivered.at(-1)!;
  const forwardedId = (peekApdu(forwarded) as { invokeId: number }).invokeId;
  assert.equal(second.port.delivered.length, 0);
  owner.send(encodeReturnResult(forwardedId, { opcode: Opcode.cDRReport, value: NO_DATA }));
  assert.deepEqual(pbx.sent.at(-1), hex("A2 0B 02 01 2A 30 06 02 02 01 69 05 00"));
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
  board.fromPbx(event, peekApdu(event) as ApduPeek);
  const peek = peekApdu(a.port.delivered[0]) as { crossRef: { id: Uint8Array } };
  assert.deepEqual(peek.crossRef.id, xref, "events continue under the old crossRef");
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
  good.send(encodeInvoke(1, Opcode.systemStatus, hex("30 03 0A 01 02")));
  assert.equal(good.port.take()[0].kind, "returnResult");
  assert.equal(good.port.closedWith, undefined);
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

Deno.test("SystemStatus from an application is answered locally and never reaches the PBX", () => {
  const { pbx, connect } = setup();
  const a = connect("a");
  a.send(encodeInvoke(9, Opcode.systemStatus, hex("30 03 0A 01 02")));
  assert.equal(pbx.requests.length, 0);
  assert.deepEqual(a.port.delivered[0], concatBytes([hex("A2 0B 02 01 09 30 06 02 02 00 D3 05 00")]));
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
    board.fromPbx(event, peekApdu(event) as ApduPeek);
    assert.equal(a.port.delivered.length, 0, `suppressed after the ${filterTag} form`);
    a.send(
      encodeInvoke(
        3,
        Opcode.changeMonitorFilter,
        constructed(0x30, [tlv(0x55, xref), hex(`${filterTag} 00`)]),
      ),
    );
    a.port.take();
    board.fromPbx(event, peekApdu(event) as ApduPeek);
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
  board.fromPbx(event, peekApdu(event) as ApduPeek);
  const kinds = a.port.decoded().map((x) => x.kind);
  assert.deepEqual(kinds, ["returnResult", "invoke"]);
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

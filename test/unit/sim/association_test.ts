import assert from "node:assert/strict";
import { decodeAcse, encodeAarq, encodeRlrq } from "../../../src/csta/acse.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { deviceNumber, dialingNumber } from "../../../src/csta/device_id.ts";
import { decodeEventReport } from "../../../src/csta/event_report.ts";
import { readExtensions } from "../../../src/csta/extensions.ts";
import {
  decodeDeviceListRequestResult,
  decodeKmeEscape,
  decodeKmePrivateData,
  encodeDeviceListRequest,
} from "../../../src/csta/kme_private_data.ts";
import { monitorFilterSuppressing } from "../../../src/csta/monitor_filter.ts";
import { decodeTypedArgument, encodeTypedInvoke } from "../../../src/csta/operations.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { hex, spacedHex, WireHarness } from "./wire_harness.ts";

/** §14.2 and §14.3 [C-pbx], without the 2-byte length. */
const PANASONIC_AARE =
  "61 2F 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 00 A3 05 A1 03 02 01 01 BE 14 28 12 06 07 2B 0C 00 82 1D 81 48 A0 07 A0 05 03 03 00 08 00";
const SYSTEM_STATUS_1 = "A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02";

function invokesOf(w: WireHarness, opcode: number, from = 0) {
  return w.sent.slice(from).map((apdu) => decodeApdu(apdu)).filter((a) =>
    a.kind === "invoke" && a.opcode === opcode
  );
}

Deno.test("the AARQ is answered with Panasonic's AARE bytes, then SystemStatus normal with invoke ID 1", () => {
  const w = new WireHarness({ autoAnswer: false });
  w.associate();
  assert.deepEqual(w.sentHex(), [PANASONIC_AARE, SYSTEM_STATUS_1]);
  assert.equal(w.association.state, "associated");
});

Deno.test("an AARQ with another application context gets a rejecting AARE and the link closes", () => {
  const w = new WireHarness();
  w.receive(encodeAarq({ applicationContextName: "1.3.12.0.180.1" }));
  const [aare] = w.sent.map((apdu) => decodeAcse(apdu));
  assert.equal(aare.kind, "aare");
  assert.equal(aare.kind === "aare" && aare.result, "rejectedPermanent");
  assert.deepEqual(aare.kind === "aare" && aare.resultSourceDiagnostic, {
    kind: "acseServiceUser",
    value: "applicationContextNameNotSupported",
  });
  assert.match(w.closedReason!, /1\.3\.12\.0\.180\.1 refused/);
});

Deno.test("a first APDU that is no AARQ is aborted", () => {
  const w = new WireHarness();
  w.receive(encodeTypedInvoke(1, "systemStatus", { systemStatus: "normal" }));
  assert.deepEqual(w.sentHex(), ["64 03 80 01 00"]);
  assert.match(w.closedReason!, /expected an AARQ/);
});

Deno.test("SystemStatus repeats every keep-alive period; a client that leaves K unanswered is aborted", () => {
  const w = new WireHarness({
    autoAnswer: false,
    association: { keepaliveMs: 30_000, maxUnansweredKeepalives: 2 },
  });
  w.associate();
  w.clock.advance(30_000);
  const ids = invokesOf(w, 211).map((i) => i.kind === "invoke" && i.invokeId);
  assert.deepEqual(ids, [1, 2]);
  w.clock.advance(30_000);
  assert.equal(w.association.state, "closed");
  assert.equal(w.sentHex().at(-1), "64 03 80 01 00");
  assert.match(w.closedReason!, /2 SystemStatus invokes left unanswered/);
});

Deno.test("answered keep-alives keep the association up", () => {
  const w = new WireHarness({ association: { keepaliveMs: 30_000, maxUnansweredKeepalives: 1 } });
  w.associate();
  w.clock.advance(5 * 30_000);
  assert.equal(w.association.state, "associated");
  assert.equal(invokesOf(w, 211).length, 6);
});

Deno.test("monitors start by dialingNumber or deviceNumber; events can name devices by deviceNumber", () => {
  const w = new WireHarness({ deviceForm: "deviceNumber" });
  w.associate();
  const device101 = w.plan.device("101")!.deviceNumber;
  const byNumber = w.must("monitorStart", {
    monitorObject: { kind: "deviceObject", value: deviceNumber(device101) },
  });
  assert.equal(byNumber.crossRefIdentifier.length, 4);
  const from = w.sent.length;
  w.must("makeCall", { callingDevice: deviceNumber(device101), calledDirectoryNumber: dialingNumber("102") });
  const [first] = invokesOf(w, 21, from);
  const report = decodeEventReport(first.kind === "invoke" ? first.argument! : new Uint8Array());
  assert.deepEqual(report.crossRefIdentifier, byNumber.crossRefIdentifier);
  assert.equal(report.event.kind, "serviceInitiated");
  assert.deepEqual(report.event.kind === "serviceInitiated" && report.event.initiatingDevice, {
    kind: "deviceIdentifier",
    value: deviceNumber(device101),
  });
});

Deno.test("the monitor limit answers overallMonitorLimitExceeded and a duplicate is refused unless allowed", () => {
  const strict = new WireHarness({ monitors: { maxMonitors: 2 } });
  strict.associate();
  strict.monitor("101");
  assert.deepEqual(
    strict.request("monitorStart", { monitorObject: { kind: "deviceObject", value: dialingNumber("101") } }),
    {
      ok: false,
      failure: { kind: "subscribedResourceAvailability", value: "objectMonitorLimitExceeded" },
    },
  );
  strict.monitor("102");
  assert.deepEqual(
    strict.request("monitorStart", { monitorObject: { kind: "deviceObject", value: dialingNumber("103") } }),
    {
      ok: false,
      failure: { kind: "systemResourceAvailability", value: "overallMonitorLimitExceeded" },
    },
  );

  const lenient = new WireHarness({ monitors: { duplicate: "allow" } });
  lenient.associate();
  lenient.monitor("101");
  lenient.monitor("101");
  const from = lenient.sent.length;
  lenient.must("makeCall", {
    callingDevice: dialingNumber("101"),
    calledDirectoryNumber: dialingNumber("102"),
  });
  const crossRefs = invokesOf(lenient, 21, from).map((i) =>
    hex(decodeEventReport(i.kind === "invoke" ? i.argument! : new Uint8Array()).crossRefIdentifier)
  );
  assert.deepEqual(new Set(crossRefs), new Set(["00000001", "00000002"]), "each monitor gets every event");
});

Deno.test("a set filter bit suppresses that event; MonitorStop of an unknown crossRef is invalidMonitorCrossRefID", () => {
  const w = new WireHarness();
  w.associate();
  const { crossRefIdentifier } = w.must("monitorStart", {
    monitorObject: { kind: "deviceObject", value: dialingNumber("102") },
    requestedMonitorFilter: monitorFilterSuppressing(["delivered"]),
  });
  const from = w.sent.length;
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  const kinds = invokesOf(w, 21, from).map((i) =>
    decodeEventReport(i.kind === "invoke" ? i.argument! : new Uint8Array()).event.kind
  );
  assert.deepEqual(kinds, ["established"]);
  w.must("monitorStop", { crossRefIdentifier });
  assert.deepEqual(w.request("monitorStop", { crossRefIdentifier }), {
    ok: false,
    failure: { kind: "operation", value: "invalidMonitorCrossRefID" },
  });
});

Deno.test("requests that make no sense get the PBX's UniversalFailure or a ROSE Reject", () => {
  const w = new WireHarness();
  w.associate();
  w.monitor("101");
  assert.deepEqual(
    w.request("monitorStart", { monitorObject: { kind: "deviceObject", value: dialingNumber("999") } }),
    {
      ok: false,
      failure: { kind: "operation", value: "invalidDeviceID" },
    },
  );
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  assert.deepEqual(w.request("answerCall", { callToBeAnswered: w.conn("101") }), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "noCallToAnswer" },
  });
  const before = w.sent.length;
  w.receive(encodeInvoke(90, 18, Uint8Array.of(0x30, 0x00)));
  assert.deepEqual(
    w.sentHex(before),
    ["A4 06 02 01 5A 81 01 01"],
    "ParkCall has no codec: unrecognizedOperation",
  );
  w.receive(encodeInvoke(91, 2, Uint8Array.of(0x30, 0x00)));
  assert.deepEqual(w.sentHex(before + 1), ["A4 06 02 01 5B 81 01 02"], "AnswerCall without its connection");
  w.receive(encodeInvoke(92, 21, Uint8Array.of(0x30, 0x03, 0x55, 0x01, 0x01)));
  assert.equal(decodeApdu(w.sent.at(-1)!).kind, "reject", "the switch alone sends EventReports");
});

Deno.test("a client that answers an EventReport gets a Reject: EventReports are never answered", () => {
  const w = new WireHarness();
  w.associate();
  w.monitor("101");
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  const [event] = invokesOf(w, 21);
  const id = event.kind === "invoke" ? event.invokeId : 0;
  w.receive(encodeReturnResult(id, { opcode: 21, value: NO_DATA }));
  const reject = decodeApdu(w.sent.at(-1)!);
  assert.deepEqual(reject, {
    kind: "reject",
    invokeId: id,
    problem: { kind: "returnResult", value: "resultResponseUnexpected" },
  });
});

Deno.test("the MakeCall result goes out before the events the call causes", () => {
  const w = new WireHarness();
  w.associate();
  w.monitor("101");
  const from = w.sent.length;
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  const kinds = w.sent.slice(from).map((apdu) => decodeApdu(apdu).kind);
  assert.deepEqual(kinds, ["returnResult", "invoke", "invoke", "invoke"]);
});

Deno.test("CDR: one report per finished call with duration in tenths and the KME condition code, answered before the next", () => {
  const w = new WireHarness({ autoAnswer: false });
  w.associate();
  w.receive(encodeReturnResult(1, { opcode: 211, value: NO_DATA }));
  const { cdrCrossRefID } = w.must("startCDRTransmission", { transferMode: "transferAtEndOfCall" });
  assert.deepEqual(w.request("startCDRTransmission", { transferMode: "transferAtEndOfCall" }), {
    ok: false,
    failure: { kind: "operation", value: "generic" },
  });
  const a = w.must("makeCall", {
    callingDevice: dialingNumber("101"),
    calledDirectoryNumber: dialingNumber("102"),
  });
  w.clock.advance(3000);
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.clock.advance(12_340);
  w.must("singleStepTrans", { activeCall: w.conn("102"), transferredTo: dialingNumber("103") });
  w.must("clearConnection", { connectionToBeCleared: a.callingDevice });
  w.must("makeCall", { callingDevice: dialingNumber("104"), calledDirectoryNumber: dialingNumber("105") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("104") });
  const reports = invokesOf(w, 361);
  assert.equal(reports.length, 1, "the second record waits for the first to be answered");
  const first = reports[0].kind === "invoke" ? reports[0] : undefined;
  const argument = decodeTypedArgument("cDRReport", first!.argument!);
  assert.deepEqual(argument.cdrCrossRefID, cdrCrossRefID);
  const [item] = argument.cdrInfo;
  assert.equal(item.connectionDuration, 123, "12.34 s talk time in tenths");
  assert.equal(item.connectionStart, "20260101000003");
  assert.equal(item.connectionEnd, "20260101000015");
  const [privateData] = readExtensions(argument.extensions!).privateData;
  assert.deepEqual(decodeKmePrivateData(privateData), {
    kind: "additionalData",
    data: { kind: "conditionCode", value: "callTransfer" },
  });
  w.receive(encodeReturnResult(first!.invokeId, { opcode: 361, value: NO_DATA }));
  const second = invokesOf(w, 361)[1];
  const unanswered = decodeTypedArgument(
    "cDRReport",
    second.kind === "invoke" ? second.argument! : new Uint8Array(),
  );
  assert.equal(unanswered.cdrInfo[0].connectionDuration, 0);
  assert.deepEqual(decodeKmePrivateData(readExtensions(unanswered.extensions!).privateData[0]), {
    kind: "additionalData",
    data: { kind: "conditionCode", value: "noAnswer" },
  });
  w.must("stopCDRTransmission", { cdrCrossRefID });
  assert.deepEqual(w.request("stopCDRTransmission", { cdrCrossRefID }), {
    ok: false,
    failure: { kind: "operation", value: "invalidCrossRefID" },
  });
});

Deno.test("GetSwitchingFunctionDevices answers with a serviceCrossRefID, then the list in 205 segments", () => {
  const w = new WireHarness({ plan: { extensions: "101-120", trunks: 2 } });
  w.associate();
  const from = w.sent.length;
  const { serviceCrossRefID } = w.must("getSwitchingFunctionDevices", { requestedDeviceCategory: "station" });
  const segments = invokesOf(w, 205, from).map((i) =>
    decodeTypedArgument("switchingFunctionDevices", i.kind === "invoke" ? i.argument! : new Uint8Array())
  );
  assert.deepEqual(segments.map((s) => [s.segmentID, s.lastSegment, s.deviceList.length]), [[1, false, 8], [
    2,
    false,
    8,
  ], [3, true, 4]]);
  assert.ok(segments.every((s) => hex(s.serviceCrossRefID) === hex(serviceCrossRefID)));
  assert.deepEqual(segments[0].deviceList[0], { deviceID: dialingNumber("101"), deviceCategory: "station" });
});

Deno.test("the KME GetSystemData escape as LinTcMon sends it gets a cross reference, then the device list in linked replies", () => {
  const w = new WireHarness();
  w.associate();
  const from = w.sent.length;
  w.receive(encodeDeviceListRequest(0x0602, 5));
  const [result, ...segments] = w.sent.slice(from).map((apdu) => decodeApdu(apdu));
  assert.equal(result.kind === "returnResult" && result.invokeId, 0x0602);
  const { crossRefID } = decodeDeviceListRequestResult(
    result.kind === "returnResult" ? result.result!.value! : new Uint8Array(),
  );
  const replies = segments.map((s) => decodeKmeEscape(s.kind === "invoke" ? s.argument! : new Uint8Array()));
  const devices = replies.flatMap((r) => r.kind === "deviceListSegment" ? r.segment.devices : []);
  assert.deepEqual(devices.map((d) => d.number), w.plan.extensions().map((e) => e.number));
  assert.deepEqual(devices[0].device, deviceNumber(w.plan.device("101")!.deviceNumber));
  assert.ok(
    replies.every((r) => r.kind === "deviceListSegment" && hex(r.segment.crossRefID!) === hex(crossRefID!)),
  );
  assert.deepEqual(replies.map((r) => r.kind === "deviceListSegment" && r.segment.lastSegment), [
    false,
    true,
  ]);
});

Deno.test("a plan change sends SwitchingFunctionDevicesChanged; removing a monitored device stops its monitor", () => {
  const w = new WireHarness();
  w.associate();
  w.monitor("110");
  const from = w.sent.length;
  w.plan.addExtension("111", "New Colleague");
  assert.equal(invokesOf(w, 213, from).length, 1);
  w.engine.removeDevice("110");
  const [stop] = invokesOf(w, 73, from);
  assert.deepEqual(
    decodeTypedArgument("monitorStop", stop.kind === "invoke" ? stop.argument! : new Uint8Array()),
    {
      crossRefIdentifier: Uint8Array.of(0, 0, 0, 1),
    },
  );
  assert.equal(invokesOf(w, 213, from).length, 2);
});

Deno.test("SnapshotDevice lists a device's calls with its own state first", () => {
  const w = new WireHarness();
  w.associate();
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  const result = w.must("snapshotDevice", { snapshotObject: dialingNumber("102") });
  assert.deepEqual(result.crossRefIDorSnapshotData, {
    kind: "snapshotData",
    value: [{
      connectionIdentifier: w.conn("102"),
      localCallState: { kind: "compoundCallState", value: ["alerting", "connected"] },
    }],
  });
});

Deno.test("RLRQ from the client is answered with RLRE and the association ends", () => {
  const w = new WireHarness();
  w.associate();
  w.receive(encodeRlrq());
  assert.equal(w.sentHex().at(-1), "63 03 80 01 00");
  assert.equal(w.association.state, "closed");
});

Deno.test("faults: a hung PBX answers nothing, a slow one answers after the delay", () => {
  const w = new WireHarness();
  w.associate();
  w.faults.stopAnswering = true;
  assert.deepEqual(w.request("requestSysStat", {}), { ok: false, failure: "no answer" });
  w.faults.stopAnswering = false;
  w.faults.answerDelayMs = 2000;
  const before = w.sent.length;
  w.receive(encodeTypedInvoke(50, "requestSysStat", {}));
  assert.equal(w.sent.length, before);
  w.clock.advance(2000);
  assert.equal(decodeApdu(w.sent.at(-1)!).kind, "returnResult");
});

Deno.test("dropping the link sends the configured release APDU; a malformed frame is not valid BER", () => {
  for (const [release, last] of [["abort", "64 03 80 01 00"], ["release", "62 03 80 01 00"]] as const) {
    const w = new WireHarness({ association: { release } });
    w.associate();
    w.association.drop("test");
    assert.equal(w.sentHex().at(-1), last);
    assert.equal(w.closedReason, "test");
  }
  const quiet = new WireHarness({ association: { release: "close" } });
  quiet.associate();
  const sent = quiet.sent.length;
  quiet.association.drop("test");
  assert.equal(quiet.sent.length, sent, "close sends no APDU");
  const w = new WireHarness();
  w.associate();
  w.association.sendMalformedFrame();
  assert.throws(() => decodeApdu(w.sent.at(-1)!));
  assert.equal(spacedHex(w.sent.at(-1)!), "A1 10 02 01 07 02 01");
});

Deno.test("call control accepts ConnectionIDs whose device is given by deviceNumber", () => {
  const w = new WireHarness();
  w.associate();
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  const ringing = w.engine.connectionsOf("102")[0];
  const byNumber = {
    callID: Uint8Array.of(0, ringing.callId),
    deviceID: { kind: "staticID" as const, value: deviceNumber(w.plan.device("102")!.deviceNumber) },
  };
  w.must("answerCall", { callToBeAnswered: byNumber });
  assert.equal(w.engine.stateOf(ringing), "connected");
  assert.deepEqual(
    w.request("clearConnection", {
      connectionToBeCleared: { callID: Uint8Array.of(0, 99), deviceID: byNumber.deviceID },
    }),
    {
      ok: false,
      failure: { kind: "operation", value: "invalidConnectionID" },
    },
  );
});

Deno.test("the association counts the EventReports it sent per monitored device, as the wire carries them", () => {
  const w = new WireHarness();
  w.associate();
  w.monitor("101", "102", "103");
  w.must("makeCall", { callingDevice: dialingNumber("101"), calledDirectoryNumber: dialingNumber("102") });
  w.clock.advance(10_000);
  const onTheWire = Object.fromEntries(
    Object.entries(w.eventsByDevice()).filter(([, events]) => events.length > 0).map((
      [device, events],
    ) => [device, events.length]),
  );
  assert.ok(onTheWire["101"] > 0 && onTheWire["102"] > 0, JSON.stringify(onTheWire));
  assert.deepEqual(Object.fromEntries(w.association.stats.eventReportsByDevice), onTheWire);
  assert.equal(w.association.stats.eventReports, onTheWire["101"] + onTheWire["102"]);
});

// Golden event sequences: each service of the simulator driven through encoded CSTA requests, with the
// EventReports each monitored device received compared to a reviewed fixture in test/fixtures/sim/.
// Regenerate after a deliberate change with UPDATE_SIM_GOLDEN=1 and review the diff.

import assert from "node:assert/strict";
import { WireHarness, type WireHarnessOptions } from "./wire_harness.ts";

const FIXTURES = new URL("../../fixtures/sim/", import.meta.url);
const UPDATE = Deno.env.get("UPDATE_SIM_GOLDEN") === "1";

interface Golden {
  service: string;
  events: Record<string, unknown[]>;
  /** Every APDU the simulator sent after the monitors were started (only where recorded). */
  frames?: string[];
}

async function checkGolden(file: string, service: string, actual: Omit<Golden, "service">): Promise<void> {
  const url = new URL(file, FIXTURES);
  const golden: Golden = { service, ...actual };
  if (UPDATE) {
    await Deno.writeTextFile(url, JSON.stringify(golden, null, 2) + "\n");
    return;
  }
  const expected = JSON.parse(await Deno.readTextFile(url)) as Golden;
  assert.deepEqual(golden, expected);
}

/** Runs a service script against a fresh association with the given devices monitored. */
function golden(
  name: string,
  file: string,
  monitored: string[],
  script: (w: WireHarness) => void,
  options: WireHarnessOptions & { frames?: boolean } = {},
): void {
  Deno.test(`golden: ${name}`, async () => {
    const w = new WireHarness(options);
    w.associate();
    w.monitor(...monitored);
    const from = w.sent.length;
    script(w);
    assert.equal(w.engine.callCount, 0, "the script ends with every call cleared");
    await checkGolden(file, name, {
      events: w.eventsByDevice(),
      ...(options.frames ? { frames: w.sentHex(from) } : {}),
    });
  });
}

golden("internal call 101 -> 102 answered and cleared", "internal_call.json", ["101", "102"], (w) => {
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.clock.advance(2000);
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.clock.advance(10_000);
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
}, { frames: true });

golden("outgoing trunk call 101 -> 0301234567", "outgoing_trunk_call.json", ["101", "9001"], (w) => {
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("0301234567") });
  w.engine.networkAlert("9001");
  w.engine.networkAnswer("9001");
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("incoming trunk call with CLI and DDI to 102", "incoming_trunk_call.json", ["102", "9001"], (w) => {
  w.engine.incomingCall({ cli: "0301234567", ddi: "5551102" });
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.engine.networkRelease("9001");
});

golden("incoming trunk call with withheld CLI", "incoming_withheld_cli.json", ["103"], (w) => {
  w.engine.incomingCall({ cli: "restricted", ddi: "5551103" });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
});

golden("hold and retrieve", "hold_retrieve.json", ["101", "102"], (w) => {
  connect(w, "101", "102");
  w.must("holdCall", { callToBeHeld: w.conn("101", "connected") });
  w.must("retrieveCall", { callToBeRetrieved: w.conn("101", "hold") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("102") });
});

golden("consultation, alternate and reconnect", "consultation_alternate_reconnect.json", [
  "101",
  "102",
  "103",
], (w) => {
  connect(w, "101", "102");
  w.must("consultationCall", { existingCall: w.conn("101", "connected"), consultedDevice: w.dev("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("alternateCall", { heldCall: w.conn("101", "hold"), activeCall: w.conn("101", "connected") });
  w.must("reconnectCall", { activeCall: w.conn("101", "connected"), heldCall: w.conn("101", "hold") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("consultation and transfer", "consultation_transfer.json", ["101", "102", "103"], (w) => {
  connect(w, "101", "102");
  w.must("consultationCall", { existingCall: w.conn("102", "connected"), consultedDevice: w.dev("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("transferCall", { heldCall: w.conn("102", "hold"), activeCall: w.conn("102", "connected") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
});

golden("single-step transfer", "single_step_transfer.json", ["101", "102", "103"], (w) => {
  connect(w, "101", "102");
  w.must("singleStepTrans", { activeCall: w.conn("102"), transferredTo: w.dev("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("conference", "conference.json", ["101", "102", "103"], (w) => {
  connect(w, "101", "102");
  w.must("consultationCall", { existingCall: w.conn("101", "connected"), consultedDevice: w.dev("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("conferenceCall", { heldCall: w.conn("101", "hold"), activeCall: w.conn("101", "connected") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("102") });
});

golden("single-step conference", "single_step_conference.json", ["101", "102", "104"], (w) => {
  connect(w, "101", "102");
  w.must("singleStepConf", { activeCall: w.conn("101"), deviceToJoin: w.dev("104") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("104") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("deflect", "deflect.json", ["101", "102", "103"], (w) => {
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("deflectCall", { callToBeDiverted: w.conn("102", "alerting"), newDestination: w.dev("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
});

golden("group pickup", "group_pickup.json", ["101", "102", "103"], (w) => {
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("groupPickupCall", { newDestination: w.dev("103") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("directed pickup", "directed_pickup.json", ["101", "102", "105"], (w) => {
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("directedPickupCall", {
    callToBePickedUp: w.conn("102", "alerting"),
    requestingDevice: w.dev("105"),
  });
  w.must("clearConnection", { connectionToBeCleared: w.conn("105") });
});

golden("dial digits after going off-hook, then DTMF", "dial_generate_digits.json", ["101", "102"], (w) => {
  w.engine.offHook("101");
  w.must("dialDigits", { diallingConnection: w.conn("101", "initiated"), diallingSequence: w.dev("10") });
  w.must("dialDigits", { diallingConnection: w.conn("101", "initiated"), diallingSequence: w.dev("2") });
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.must("generateDigits", { connectionToSendDigits: w.conn("101"), charactersToSend: "1234#" });
  w.must("clearConnection", { connectionToBeCleared: w.conn("102") });
});

golden("call back when the busy extension becomes free", "call_back.json", ["101", "102", "103"], (w) => {
  connect(w, "102", "103");
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("callBack", { callbackConnection: w.conn("101", "fail") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("101", "alerting") });
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("camp-on at a busy extension", "camp_on.json", ["101", "102", "103"], (w) => {
  connect(w, "102", "103");
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("camponCall", { camponConnection: w.conn("101", "fail") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
});

golden("intrusion into a busy extension's call", "intrusion.json", ["101", "102", "103"], (w) => {
  connect(w, "102", "103");
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("intrudeCall", { intrude: w.conn("101", "fail") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
});

golden("forwarding immediate to an extension", "forwarding_immediate.json", ["101", "102", "103"], (w) => {
  w.must("setForwarding", {
    device: w.dev("102"),
    forwardingType: "forwardImmediate",
    activateForward: true,
    forwardDN: w.dev("103"),
  });
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("setForwarding", {
    device: w.dev("102"),
    forwardingType: "forwardImmediate",
    activateForward: false,
  });
});

golden("forwarding on busy", "forwarding_busy.json", ["101", "104", "103"], (w) => {
  w.must("setForwarding", {
    device: w.dev("104"),
    forwardingType: "forwardBusy",
    activateForward: true,
    forwardDN: w.dev("103"),
  });
  connect(w, "104", "105");
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("104") });
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("104") });
});

golden("forwarding on no answer", "forwarding_no_answer.json", ["101", "102", "103"], (w) => {
  w.must("setForwarding", {
    device: w.dev("102"),
    forwardingType: "forwardNoAns",
    activateForward: true,
    forwardDN: w.dev("103"),
    ringDuration: 10,
  });
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.clock.advance(10_000);
  w.must("answerCall", { callToBeAnswered: w.conn("103", "alerting") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("103") });
});

golden("forwarding of external calls to an outside number", "forwarding_external.json", [
  "102",
  "9001",
  "9002",
], (w) => {
  w.must("setForwarding", {
    device: w.dev("102"),
    forwardingType: "forwardImmExt",
    activateForward: true,
    forwardDN: w.dev("0891234567"),
  });
  w.engine.incomingCall({ cli: "0301234567", ddi: "5551102" });
  w.engine.networkAlert("9002");
  w.engine.networkAnswer("9002");
  w.engine.networkRelease("9001");
});

golden("do not disturb changes routing", "do_not_disturb.json", ["101", "102", "103"], (w) => {
  w.must("setDoNotDisturb", { device: w.dev("102"), doNotDisturbOn: true });
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("setForwarding", {
    device: w.dev("102"),
    forwardingType: "forwardDND",
    activateForward: true,
    forwardDN: w.dev("103"),
  });
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("setDoNotDisturb", { device: w.dev("102"), doNotDisturbOn: false });
});

golden("calls queued at a group", "queued_group.json", ["600", "101", "102", "9001"], (w) => {
  connect(w, "101", "105");
  connect(w, "102", "106");
  w.engine.incomingCall({ cli: "0301234567", ddi: "5551000" });
  w.must("clearConnection", { connectionToBeCleared: w.conn("106") });
  w.must("answerCall", { callToBeAnswered: w.conn("102", "alerting") });
  w.engine.networkRelease("9001");
  w.must("clearConnection", { connectionToBeCleared: w.conn("105") });
}, {
  plan: {
    extensions: "101-110",
    trunks: 2,
    groups: [{ number: "600", name: "Sales", members: ["101", "102"] }],
  },
});

golden("failed calls: busy and unknown number", "failed_calls.json", ["101", "102"], (w) => {
  connect(w, "102", "103");
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("102") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("makeCall", { callingDevice: w.dev("101"), calledDirectoryNumber: w.dev("999") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("101") });
  w.must("clearConnection", { connectionToBeCleared: w.conn("102") });
});

/** `a` calls `b` and `b` answers. */
function connect(w: WireHarness, a: string, b: string): void {
  w.must("makeCall", { callingDevice: w.dev(a), calledDirectoryNumber: w.dev(b) });
  w.must("answerCall", { callToBeAnswered: w.conn(b, "alerting") });
}

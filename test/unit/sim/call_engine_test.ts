import assert from "node:assert/strict";
import type { CallEndedFact, EventFact } from "../../../src/sim/call_facts.ts";
import { engineHarness } from "./engine_harness.ts";

const endedRecords = (facts: readonly unknown[]) =>
  (facts as { kind: string }[]).filter((f): f is CallEndedFact => f.kind === "callEnded").map((f) =>
    f.record
  );

Deno.test("an internal call answered and cleared reports each step to both sides with their connection states", () => {
  const h = engineHarness();
  const a = h.must(h.engine.makeCall("101", "102"));
  h.clock.advance(2000);
  h.must(h.engine.answerCall({ callId: a.callId, device: "102" }));
  h.clock.advance(10_000);
  h.must(h.engine.clearConnection(a));
  assert.deepEqual(h.linesFor("101"), [
    "serviceInitiated 1:101 cause=makeCall state=initiated",
    "originated 1:101 cause=makeCall state=connected",
    "delivered 1:102 cause=newCall state=connected",
    "established 1:102 cause=newCall state=connected",
    "connectionCleared 1:101 cause=normalClearing state=null",
  ]);
  assert.deepEqual(h.linesFor("102"), [
    "delivered 1:102 cause=newCall state=alerting",
    "established 1:102 cause=newCall state=connected",
    "connectionCleared 1:101 cause=normalClearing state=connected",
    "callCleared 1 cause=normalClearing state=null",
  ]);
  assert.equal(h.engine.callCount, 0);
  const [record] = endedRecords(h.facts);
  assert.equal(record.answeredAt! - record.startedAt, 2000);
  assert.equal(record.endedAt - record.startedAt, 12_000);
  assert.equal(record.conditionCode, undefined);
});

Deno.test("MakeCall is refused for an unknown or busy calling device and for a malformed number", () => {
  const h = engineHarness();
  assert.deepEqual(h.engine.makeCall("999", "102"), {
    ok: false,
    failure: { kind: "operation", value: "invalidCallingDeviceID" },
  });
  assert.deepEqual(h.engine.makeCall("101", "1x2"), {
    ok: false,
    failure: { kind: "operation", value: "invalidCalledDeviceID" },
  });
  h.must(h.engine.makeCall("101", "102"));
  assert.deepEqual(h.engine.makeCall("101", "103"), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "invalidCallingDeviceState" },
  });
  assert.equal(h.engine.callCount, 1);
});

Deno.test("AnswerCall needs a ringing connection and no other active call at the device", () => {
  const h = engineHarness();
  const a = h.must(h.engine.makeCall("101", "102"));
  assert.deepEqual(h.engine.answerCall(a), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "noCallToAnswer" },
  });
  h.must(h.engine.makeCall("103", "104"));
  h.must(h.engine.answerCall({ callId: 2, device: "104" }));
  const b = h.must(h.engine.makeCall("105", "103"));
  assert.equal(h.engine.stateOf({ callId: b.callId, device: "103" }), undefined, "103 is busy: no ringing");
  assert.equal(h.engine.stateOf(b), "fail");
});

Deno.test("a call to a busy extension fails with cause busy and leaves the caller in the fail state", () => {
  const h = engineHarness();
  h.must(h.engine.makeCall("101", "102"));
  const c = h.must(h.engine.makeCall("103", "101"));
  assert.deepEqual(h.linesFor("103").at(-1), "failed 2:103 cause=busy state=fail");
  assert.deepEqual(h.linesFor("101").filter((l) => l.includes("2:")), [], "the busy extension hears nothing");
  h.must(h.engine.clearConnection(c));
  assert.deepEqual(h.linesFor("103").at(-1), "connectionCleared 2:103 cause=normalClearing state=null");
  assert.equal(endedRecords(h.facts)[0].conditionCode, "noAnswer");
});

Deno.test("an unknown number fails with destNotObtainable, and dialled digits wait while they start a number", () => {
  const h = engineHarness();
  const a = h.must(h.engine.makeCall("101", "999"));
  assert.equal(h.linesFor("101").at(-1), "failed 1:101 cause=destNotObtainable state=fail");
  h.must(h.engine.clearConnection(a));
  const off = h.must(h.engine.offHook("103"));
  h.must(h.engine.dialDigits(off, "1"));
  h.must(h.engine.dialDigits(off, "0"));
  assert.equal(h.engine.stateOf(off), "initiated", "10 is a prefix of 101..110");
  h.must(h.engine.dialDigits(off, "4"));
  assert.deepEqual(h.linesFor("103").slice(-3), [
    "serviceInitiated 2:103 cause=newCall state=initiated",
    "originated 2:103 cause=newCall state=connected",
    "delivered 2:104 cause=newCall state=connected",
  ]);
  assert.deepEqual(h.engine.dialDigits(off, "5"), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "invalidConnectionState" },
  });
});

Deno.test("forwarding immediate, busy and no answer divert calls, and the Forwarding event reports each change", () => {
  const h = engineHarness();
  h.must(h.engine.setForwarding("102", "forwardImmediate", true, "103"));
  h.must(h.engine.makeCall("101", "102"));
  assert.deepEqual(h.linesFor("102"), [
    "forwarding 102",
    "diverted 1:102 cause=callForwardImmediate state=null",
  ]);
  assert.equal(h.linesFor("103").at(-1), "delivered 1:103 cause=callForwardImmediate state=alerting");

  h.must(h.engine.setForwarding("102", "forwardImmediate", false));
  h.must(h.engine.setForwarding("104", "forwardNoAns", true, "105", 8000));
  const b = h.must(h.engine.makeCall("106", "104"));
  h.clock.advance(7999);
  assert.equal(h.engine.stateOf({ callId: b.callId, device: "104" }), "alerting");
  h.clock.advance(1);
  assert.equal(h.engine.stateOf({ callId: b.callId, device: "104" }), undefined);
  assert.equal(h.engine.stateOf({ callId: b.callId, device: "105" }), "alerting");
  assert.equal(h.linesFor("104").at(-1), "diverted 2:104 cause=callForwardNoAnswer state=null");

  h.must(h.engine.setForwarding("107", "forwardBusyInt", true, "108"));
  h.must(h.engine.makeCall("107", "109"));
  const c = h.must(h.engine.makeCall("110", "107"));
  assert.equal(h.engine.stateOf({ callId: c.callId, device: "108" }), "alerting");
  assert.deepEqual(h.engine.getForwarding("107"), {
    ok: true,
    value: [{ type: "forwardBusyInt", destination: "108", ringDurationMs: undefined }],
  });
});

Deno.test("external callers meet only the external forwarding types", () => {
  const h = engineHarness();
  h.must(h.engine.setForwarding("101", "forwardImmInt", true, "102"));
  h.must(h.engine.incomingCall({ cli: "0301234567", ddi: "5551101" }));
  assert.equal(h.engine.stateOf({ callId: 1, device: "101" }), "alerting");
  h.must(h.engine.setForwarding("103", "forwardImmExt", true, "0891234"));
  h.must(h.engine.incomingCall({ cli: "0301234567", ddi: "5551103" }));
  assert.equal(h.linesFor("103").at(-1), "diverted 2:103 cause=callForwardImmediate state=null");
  assert.equal(
    h.linesFor("9002").at(-1),
    "failed 2:9002 cause=trunksBusy state=fail",
    "both lines are in use",
  );
});

Deno.test("do not disturb makes calls fail, unless forwardDND sends them on", () => {
  const h = engineHarness();
  h.must(h.engine.setDoNotDisturb("102", true));
  h.must(h.engine.makeCall("101", "102"));
  assert.equal(h.linesFor("101").at(-1), "failed 1:101 cause=doNotDisturb state=fail");
  h.must(h.engine.setForwarding("102", "forwardDND", true, "103"));
  h.must(h.engine.makeCall("104", "102"));
  assert.equal(h.engine.stateOf({ callId: 2, device: "103" }), "alerting");
  assert.equal(h.linesFor("102")[0], "doNotDisturb 102");
});

Deno.test("calls to a group queue when no member is idle and ring the first member to become free", () => {
  const h = engineHarness({
    extensions: "101-110",
    trunks: 4,
    groups: [{ number: "600", name: "G", members: ["101", "102"], queueLimit: 1 }],
  });
  const first = h.must(h.engine.makeCall("103", "600"));
  const second = h.must(h.engine.makeCall("104", "600"));
  assert.equal(h.engine.stateOf({ callId: first.callId, device: "101" }), "alerting");
  assert.equal(h.engine.stateOf({ callId: second.callId, device: "102" }), "alerting");
  h.must(h.engine.answerCall({ callId: first.callId, device: "101" }));
  h.must(h.engine.answerCall({ callId: second.callId, device: "102" }));
  const third = h.must(h.engine.makeCall("105", "600"));
  assert.equal(h.engine.stateOf({ callId: third.callId, device: "600" }), "queued");
  assert.equal(h.linesFor("600").at(-1), "queued 3:600 cause=noAvailableAgents state=queued");
  const fourth = h.must(h.engine.makeCall("106", "600"));
  assert.equal(h.engine.stateOf(fourth), "fail", "the queue holds one call");
  h.must(h.engine.clearConnection(first));
  assert.equal(h.engine.stateOf({ callId: third.callId, device: "101" }), "alerting");
  assert.equal(h.engine.stateOf({ callId: third.callId, device: "600" }), undefined);
  assert.equal(h.linesFor("600").at(-1), "delivered 3:101 cause=distributed state=null");
});

Deno.test("consultation and transfer leave the two other parties in the held call and the transferring device in none", () => {
  const h = engineHarness();
  const a = h.must(h.engine.makeCall("101", "102"));
  h.must(h.engine.answerCall({ callId: a.callId, device: "102" }));
  const consult = h.must(h.engine.consultationCall(a, "103"));
  assert.equal(h.engine.stateOf(a), "hold");
  h.must(h.engine.answerCall({ callId: consult.callId, device: "103" }));
  const result = h.must(h.engine.transferCall(a, consult));
  assert.deepEqual(result, { callId: a.callId, device: "103" });
  assert.deepEqual(h.engine.snapshot(), [{
    callId: a.callId,
    connections: [{ device: "102", state: "connected" }, { device: "103", state: "connected" }],
  }]);
  assert.deepEqual(h.linesFor("103").slice(-1), ["transferred 1:101 cause=transfer state=connected"]);
  assert.deepEqual(h.linesFor("101").slice(-1), ["transferred 1:101 cause=transfer state=null"]);
  h.must(h.engine.clearConnection({ callId: a.callId, device: "103" }));
  assert.deepEqual(endedRecords(h.facts).map((r) => [r.callId, r.conditionCode]), [[1, "callTransfer"]]);
});

Deno.test("conference joins the consulted party into the held call, within the member limit", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 2 }, { maxConferenceParties: 3 });
  const a = h.must(h.engine.makeCall("101", "102"));
  h.must(h.engine.answerCall({ callId: a.callId, device: "102" }));
  const consult = h.must(h.engine.consultationCall(a, "103"));
  h.must(h.engine.answerCall({ callId: consult.callId, device: "103" }));
  h.must(h.engine.conferenceCall(a, consult));
  assert.deepEqual(h.engine.snapshot()[0].connections.map((c) => `${c.device}:${c.state}`), [
    "101:connected",
    "102:connected",
    "103:connected",
  ]);
  assert.deepEqual(h.engine.singleStepConference(a, "104"), {
    ok: false,
    failure: { kind: "systemResourceAvailability", value: "conferenceMemberLimitExceeded" },
  });
  h.must(h.engine.clearConnection(a));
  assert.equal(h.engine.snapshot()[0].connections.length, 2, "two parties stay connected");
});

Deno.test("single-step transfer to an unknown number is refused and changes nothing", () => {
  const h = engineHarness();
  const a = h.must(h.engine.makeCall("101", "102"));
  h.must(h.engine.answerCall({ callId: a.callId, device: "102" }));
  const before = h.facts.length;
  assert.deepEqual(h.engine.singleStepTransfer(a, "999"), {
    ok: false,
    failure: { kind: "operation", value: "invalidDestination" },
  });
  assert.equal(h.facts.length, before);
  const landed = h.must(h.engine.singleStepTransfer(a, "103"));
  assert.deepEqual(landed, { callId: a.callId, device: "103" });
  assert.equal(h.linesFor("103").at(-1), "delivered 1:103 cause=singleStepTransfer state=alerting");
});

Deno.test("group pickup takes the oldest call ringing in the pickup group; with none it is noCallToAnswer", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 2, pickupGroupSize: 3 });
  assert.deepEqual(h.engine.groupPickup("103"), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "noCallToAnswer" },
  });
  h.must(h.engine.makeCall("104", "101"));
  h.clock.advance(1000);
  h.must(h.engine.makeCall("105", "102"));
  const picked = h.must(h.engine.groupPickup("103"));
  assert.deepEqual(picked, { callId: 1, device: "103" });
  assert.deepEqual(h.linesFor("101").slice(-1), ["diverted 1:101 cause=callPickup state=null"]);
  assert.deepEqual(h.linesFor("103"), [
    "diverted 1:101 cause=callPickup state=null",
    "established 1:103 cause=callPickup state=connected",
  ]);
  assert.deepEqual(h.engine.groupPickup("106"), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "noCallToAnswer" },
  }, "106 is in the next pickup group");
});

Deno.test("call back rings the requester once the target is free, then calls the target", () => {
  const h = engineHarness();
  const busy = h.must(h.engine.makeCall("102", "103"));
  const attempt = h.must(h.engine.makeCall("101", "102"));
  assert.deepEqual(h.must(h.engine.callBack(attempt)), "102");
  assert.equal(h.engine.isIdle("101"), true);
  assert.deepEqual(h.engine.callBackRequests(), [{ requester: "101", target: "102" }]);
  h.must(h.engine.clearConnection(busy));
  const recall = h.engine.connectionsOf("101");
  assert.deepEqual(recall.map((c) => c.state), ["alerting"]);
  assert.equal(h.linesFor("101").at(-1), `delivered ${recall[0].callId}:101 cause=callBack state=alerting`);
  h.must(h.engine.answerCall(recall[0]));
  assert.equal(h.engine.stateOf({ callId: recall[0].callId, device: "102" }), "alerting");
  assert.equal(h.linesFor("102").at(-1), `delivered ${recall[0].callId}:102 cause=callBack state=alerting`);
});

Deno.test("a call-back recall nobody answers ends after the recall time", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 2 }, { callBackRecallMs: 5000 });
  const busy = h.must(h.engine.makeCall("102", "103"));
  h.must(h.engine.callBack(h.must(h.engine.makeCall("101", "102"))));
  h.must(h.engine.clearConnection(busy));
  h.clock.advance(5000);
  assert.equal(h.engine.isIdle("101"), true);
  assert.match(h.linesFor("101").at(-1)!, /^callCleared \d+ cause=callNotAnswered state=null$/);
});

Deno.test("camp-on rings the busy extension as a waiting call it can answer once its own call is over", () => {
  const h = engineHarness();
  const busy = h.must(h.engine.makeCall("102", "103"));
  h.must(h.engine.answerCall({ callId: busy.callId, device: "103" }));
  const attempt = h.must(h.engine.makeCall("101", "102"));
  h.must(h.engine.campOn(attempt));
  assert.equal(h.engine.stateOf(attempt), "connected");
  const waiting = { callId: attempt.callId, device: "102" };
  assert.equal(h.engine.stateOf(waiting), "alerting");
  assert.deepEqual(h.engine.answerCall(waiting), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "connectedCallExists" },
  });
  h.must(h.engine.clearConnection(busy));
  h.must(h.engine.answerCall(waiting));
  assert.equal(h.linesFor("102").at(-1), `established ${attempt.callId}:102 cause=campOn state=connected`);
});

Deno.test("intrusion joins the caller into the busy extension's active call", () => {
  const h = engineHarness();
  const busy = h.must(h.engine.makeCall("102", "103"));
  h.must(h.engine.answerCall({ callId: busy.callId, device: "103" }));
  const attempt = h.must(h.engine.makeCall("101", "102"));
  const joined = h.must(h.engine.intrudeCall(attempt));
  assert.deepEqual(joined, { callId: busy.callId, device: "101" });
  assert.equal(h.engine.callCount, 1);
  assert.equal(h.linesFor("103").at(-1), `conferenced ${busy.callId}:102 cause=intrude state=connected`);
  assert.deepEqual(h.engine.intrudeCall(joined), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "invalidConnectionState" },
  });
});

Deno.test("an outgoing call seizes a free CO line; with every line busy it fails with trunksBusy", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 1 });
  const a = h.must(h.engine.makeCall("101", "0301234567"));
  assert.equal(h.linesFor("101").at(-1), "networkReached 1:9001 cause=newCall state=connected");
  h.must(h.engine.networkAlert("9001"));
  h.must(h.engine.networkAnswer("9001"));
  assert.equal(h.engine.stateOf({ callId: a.callId, device: "9001" }), "connected");
  const b = h.must(h.engine.makeCall("102", "0891234"));
  assert.equal(h.linesFor("102").at(-1), "failed 2:102 cause=trunksBusy state=fail");
  h.must(h.engine.clearConnection(b));
  h.must(h.engine.networkRelease("9001"));
  assert.equal(h.linesFor("101").at(-1), "callCleared 1 cause=normalClearing state=null");
  const record = endedRecords(h.facts).find((r) => r.callId === a.callId)!;
  assert.equal(record.direction, "outgoing");
  assert.equal(record.trunk, "9001");
});

Deno.test("an incoming call rings the DDI's destination with CLI, DDI and line; unknown DDIs and full lines are refused", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 1 });
  const line = h.must(h.engine.incomingCall({ cli: "0301234567", ddi: "5551105" }));
  const delivered = h.facts.find((f): f is EventFact => f.kind === "event" && f.event.type === "delivered")!;
  assert.deepEqual(delivered.event, {
    type: "delivered",
    connection: { callId: line.callId, device: "105" },
    alertingDevice: { kind: "device", number: "105" },
    callingDevice: { kind: "external", number: "0301234567" },
    calledDevice: { kind: "device", number: "105" },
    lastRedirectionDevice: undefined,
    cause: "newCall",
    network: {
      associatedCallingDevice: { kind: "device", number: "9001" },
      networkCallingDevice: { kind: "external", number: "0301234567" },
      networkCalledDevice: { kind: "external", number: "5551105" },
    },
  });
  assert.deepEqual(h.engine.incomingCall({ ddi: "5551101" }), {
    ok: false,
    failure: { kind: "systemResourceAvailability", value: "resourceBusy" },
  });
  assert.deepEqual(h.engine.incomingCall({ ddi: "4440000" }), {
    ok: false,
    failure: { kind: "operation", value: "invalidDestination" },
  });
});

Deno.test("a device with calls cannot leave the plan; an idle one can", () => {
  const h = engineHarness();
  h.must(h.engine.makeCall("101", "102"));
  assert.deepEqual(h.engine.removeDevice("102"), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "invalidDeviceState" },
  });
  assert.equal(h.must(h.engine.removeDevice("110")).number, "110");
  assert.equal(h.engine.plan.device("110"), undefined);
});

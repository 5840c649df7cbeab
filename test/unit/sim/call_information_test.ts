import assert from "node:assert/strict";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { decodeCallInformation, isCallInformation } from "../../../src/csta/call_information.ts";
import { dialingNumber, party } from "../../../src/csta/device_id.ts";
import { decodeEventReport } from "../../../src/csta/event_report.ts";
import { monitorFilterSuppressing } from "../../../src/csta/monitor_filter.ts";
import type { ConnRef, EventFact } from "../../../src/sim/call_facts.ts";
import { DeviceAddressing } from "../../../src/sim/device_addressing.ts";
import { encodeEventReportOut, eventReportsFor } from "../../../src/sim/event_builder.ts";
import { MonitorTable } from "../../../src/sim/monitors.ts";
import { parseScenario, runScenario } from "../../../src/sim/scenario.ts";
import { type EngineHarness, engineHarness } from "./engine_harness.ts";

const CLI = "0301234567";

/** 0301234567 calls DDI 5551101 on CO line 9001; 101 answers. Returns 101's connection. */
function answeredCall(h: EngineHarness): ConnRef {
  h.must(h.engine.incomingCall({ cli: CLI, ddi: "5551101" }));
  const [ringing] = h.engine.connectionsOf("101");
  h.must(h.engine.answerCall(ringing));
  return { callId: ringing.callId, device: "101" };
}

function lastEvent(h: EngineHarness): EventFact {
  const fact = h.facts.at(-1);
  assert.ok(fact?.kind === "event");
  return fact;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

Deno.test("enterAccountCode reports a callInformation fact with the code to every party on the call", () => {
  const h = engineHarness();
  const at101 = answeredCall(h);
  h.must(h.engine.enterAccountCode(at101, "4711"));
  const fact = lastEvent(h);
  assert.deepEqual(fact.event, {
    type: "callInformation",
    connection: at101,
    device: { kind: "device", number: "101" },
    accountCode: "4711",
  });
  assert.deepEqual(fact.observers.map((o) => o.device).sort(), ["101", "9001"]);
  assert.deepEqual(fact.cleared, []);
  assert.equal(h.engine.stateOf(at101), "connected", "the call goes on unchanged");
});

Deno.test("an account code is refused on a ringing call, from a CO line, and unless it is 1 to 10 digits", () => {
  const h = engineHarness();
  h.must(h.engine.incomingCall({ cli: CLI, ddi: "5551101" }));
  const [ringing] = h.engine.connectionsOf("101");
  assert.deepEqual(h.engine.enterAccountCode(ringing, "4711"), {
    ok: false,
    failure: { kind: "stateIncompatibility", value: "invalidConnectionState" },
  });
  h.must(h.engine.answerCall(ringing));
  const [line] = h.engine.connectionsOf("9001");
  assert.deepEqual(h.engine.enterAccountCode(line, "4711"), {
    ok: false,
    failure: { kind: "operation", value: "invalidDeviceID" },
  });
  for (const code of ["", "12345678901", "47a1"]) {
    assert.deepEqual(h.engine.enterAccountCode(ringing, code), {
      ok: false,
      failure: { kind: "operation", value: "invalidParameterValue" },
    }, code);
  }
  assert.equal(h.facts.filter((f) => f.kind === "event" && f.event.type === "callInformation").length, 0);
});

Deno.test("golden: the account code's EventReport is callAssociated [1] callInformation [0] and decodes to connection, device and accountInfo", () => {
  const h = engineHarness();
  const at101 = answeredCall(h);
  h.must(h.engine.enterAccountCode(at101, "4711"));
  const monitors = new MonitorTable();
  monitors.start("101");
  const [report, ...more] = eventReportsFor(lastEvent(h), monitors, new DeviceAddressing(h.engine.plan));
  assert.equal(more.length, 0, "only 101 is monitored");
  const apdu = encodeEventReportOut(7, report);
  assert.equal(
    hex(apdu),
    "a1 32 02 01 07 02 01 15 30 2a 55 04 00 00 00 01 " + // invoke 7, EventReport (21), crossRef 1
      "a1 22 a0 20 " + // callAssociatedEvents [1], callInformation [0]
      "6b 0f 30 0d 80 02 00 01 a1 07 30 05 80 03 31 30 31 " + // connection: call 1 at 101
      "63 07 30 05 80 03 31 30 31 " + // device (SubjectDeviceID): 101
      "80 04 34 37 31 31", // accountInfo [0]: "4711"
  );
  const decoded = decodeApdu(apdu);
  assert.ok(decoded.kind === "invoke" && decoded.argument);
  const event = decodeEventReport(decoded.argument).event;
  assert.ok(event.kind === "unknown" && isCallInformation(event));
  const info = decodeCallInformation(event);
  assert.deepEqual(info.connection.callID, Uint8Array.of(0, 1));
  assert.deepEqual(info.device, party(dialingNumber("101")));
  assert.equal(new TextDecoder().decode(info.accountInfo), "4711");
  assert.equal(info.callingDevice, undefined);
});

Deno.test("updateCallerName's event carries the caller's number with the name as privateName; a withheld caller cannot be named", () => {
  const h = engineHarness();
  const at101 = answeredCall(h);
  h.must(h.engine.updateCallerName(at101, "JO BLOGGS"));
  const monitors = new MonitorTable();
  monitors.start("9001");
  const [report] = eventReportsFor(lastEvent(h), monitors, new DeviceAddressing(h.engine.plan));
  const decoded = decodeApdu(encodeEventReportOut(1, report));
  assert.ok(decoded.kind === "invoke" && decoded.argument);
  const event = decodeEventReport(decoded.argument).event;
  assert.ok(event.kind === "unknown");
  const info = decodeCallInformation(event);
  const calling = dialingNumber(CLI);
  calling.privateName = "JO BLOGGS";
  assert.deepEqual(info.callingDevice, party(calling));
  assert.deepEqual(info.device, party(dialingNumber("101")));
  assert.equal(info.accountInfo, undefined);

  const withheld = engineHarness();
  withheld.must(withheld.engine.incomingCall({ cli: "restricted", ddi: "5551102" }));
  const [ringing] = withheld.engine.connectionsOf("102");
  assert.deepEqual(withheld.engine.updateCallerName(ringing, "JO BLOGGS"), {
    ok: false,
    failure: { kind: "operation", value: "invalidCallingDeviceID" },
  });
  assert.deepEqual(h.engine.updateCallerName(at101, "NAME LONGER THAN 20 CHARS"), {
    ok: false,
    failure: { kind: "operation", value: "invalidParameterValue" },
  });
});

Deno.test("a monitor whose filter sets callAssociated bit callInformation gets no CallInformation; others do", () => {
  const h = engineHarness();
  const at101 = answeredCall(h);
  h.must(h.engine.enterAccountCode(at101, "99"));
  const monitors = new MonitorTable();
  monitors.start("101", monitorFilterSuppressing(["callInformation"]));
  monitors.start("9001", monitorFilterSuppressing(["held"]));
  const reports = eventReportsFor(lastEvent(h), monitors, new DeviceAddressing(h.engine.plan));
  assert.deepEqual(reports.map((r) => hex(r.crossRef)), [hex(monitors.monitorsOf("9001")[0].crossRef)]);
});

Deno.test("scenario steps accountCode and callerName act on the device's connected call; bad values do not validate", async () => {
  const h = engineHarness();
  const scenario = parseScenario({
    name: "codes",
    steps: [
      { incoming: { cli: CLI, ddi: "5551101" } },
      { answer: "101" },
      { callerName: { device: "101", name: "JO BLOGGS" } },
      { accountCode: { device: "101", code: "4711" } },
    ],
  });
  const run = runScenario(h.engine, h.clock, scenario.steps);
  await run.finished;
  assert.deepEqual(run.failures, []);
  const infos = h.facts.flatMap((f) =>
    f.kind === "event" && f.event.type === "callInformation" ? [f.event] : []
  );
  assert.deepEqual(infos.map((e) => [e.callingName, e.accountCode]), [["JO BLOGGS", undefined], [
    undefined,
    "4711",
  ]]);
  assert.throws(() => parseScenario({ name: "x", steps: [{ accountCode: { device: "101", code: "12a" } }] }));
  assert.throws(() => parseScenario({ name: "x", steps: [{ callerName: { device: "101", name: "" } }] }));

  const idle = runScenario(h.engine, h.clock, [{ accountCode: { device: "102", code: "1" } }]);
  await idle.finished;
  assert.equal(idle.failures.length, 1, "102 has no connected call");
});

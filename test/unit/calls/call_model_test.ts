import assert from "node:assert/strict";
import { CallModel } from "../../../src/calls/call_model.ts";
import { RECORD_LENGTH } from "../../../src/smdr/record.ts";
import { checkSmdrEvent, type SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { seedScenarios } from "../smdr/seed_scenarios.ts";
import { conn, dev, events as e, notKnown, tableDirectory } from "./csta_events.ts";
import { CLI, DDI, type ReportedEvent, seedCalls } from "./seed_calls.ts";
import { seedMismatches, seedRecord } from "./seed_match.ts";

const T0 = new Date(2012, 2, 9, 1, 20, 40);
const at = (second: number) => new Date(T0.getTime() + second * 1000);

function model(outsideLineAccess = "9"): CallModel {
  let serial = 52070263;
  return new CallModel({
    directory: tableDirectory(),
    outsideLineAccess: () => outsideLineAccess,
    nextSerial: () => ++serial,
  });
}

/** Applies each report at each of its observers; returns every SMDR event produced. */
function play(m: CallModel, reports: ReportedEvent[]): SmdrEvent[] {
  const out: SmdrEvent[] = [];
  for (const report of reports) {
    for (const observer of report.observers) out.push(...m.apply(report.event, at(report.second), observer));
  }
  return out;
}

const kinds = (records: SmdrEvent[]) => records.map((r) => r.event);

const inbound = { outside: dev(CLI), ddi: DDI, trunk: "92108", direction: "in" as const };

for (const call of seedCalls) {
  Deno.test(`seed: ${call.name}: the records equal the seed's lines except date, time and call ID`, () => {
    const m = model();
    const records = play(m, call.reports);
    for (const record of records) checkSmdrEvent(record);
    const lines = records.map(seedRecord);
    assert.deepEqual(seedMismatches(lines, seedScenarios[call.scenario].expectedLines), []);
    for (const line of lines) assert.equal(line.length, RECORD_LENGTH);
    assert.equal(new Set(records.map((r) => r.callSerial)).size, 1, "one call ID for the whole call");
    assert.equal(new Set(records.map((r) => r.callStart.getTime())).size, 1);
    assert.equal(m.size, 0, "the call is forgotten once cleared");
  });
}

Deno.test("each report of an event at several monitors counts once; a report at one monitor is enough", () => {
  const all = play(model(), seedCalls[2].reports);
  const once = play(
    model(),
    seedCalls[2].reports.map((r) => ({ ...r, observers: [r.observers.at(-1)!] })),
  );
  assert.deepEqual(kinds(all), kinds(once));
  assert.deepEqual(kinds(all), ["RINGING", "ANSWERED", "CALLMODIFIED", "HOLD", "CONNECTED", "DISCONNECTED"]);
});

Deno.test("an internal call makes no records but is in the live view while it lasts", () => {
  const m = model();
  const records = [
    ...m.apply(e.serviceInitiated(7, "1843"), at(0), "1843"),
    ...m.apply(e.originated(7, "1843", dev("2560")), at(0), "1843"),
    ...m.apply(e.delivered(7, "2560", dev("1843"), dev("2560")), at(1), "2560"),
    ...m.apply(e.established(7, "2560", dev("1843"), dev("2560")), at(2), "2560"),
  ];
  assert.deepEqual(records, []);
  const [view] = m.calls();
  assert.equal(view.direction, "internal");
  assert.equal(view.smdrCallId, null);
  assert.deepEqual(view.connections.map((c) => [c.device, c.state]), [["1843", "connected"], [
    "2560",
    "connected",
  ]]);
  assert.deepEqual(m.apply(e.connectionCleared(7, "2560"), at(9), "2560"), []);
  assert.equal(m.size, 1, "1843 is still on the call until the PBX clears it");
  assert.deepEqual(m.apply(e.callCleared(7, "1843"), at(9), "1843"), []);
  assert.equal(m.size, 0);
});

Deno.test("RINGING names the ringing extension, the caller, trunk and DDI of an inbound call", () => {
  const m = model();
  const [ringing] = m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  assert.equal(ringing.event, "RINGING");
  assert.equal(ringing.direction, "IN");
  assert.equal(ringing.extension, "1843");
  assert.equal(ringing.trunk, "92108");
  assert.equal(ringing.callerNumber, CLI);
  assert.equal(ringing.ddi, DDI);
  assert.equal(ringing.callStart.getTime(), at(0).getTime());
  const view = m.calls()[0];
  assert.match(view.smdrCallId!, /^20120309012040\d{8}$/);
});

Deno.test("ANSWERED is the first connect only; retrieve and the next party's answer are CONNECTED", () => {
  const m = model();
  play(m, [{
    event: e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }),
    observers: ["1843"],
    second: 0,
  }]);
  assert.deepEqual(kinds(m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843")), [
    "ANSWERED",
  ]);
  assert.deepEqual(kinds(m.apply(e.held(1, "1843"), at(2), "1843")), ["HOLD"]);
  assert.deepEqual(kinds(m.apply(e.held(1, "1843"), at(2), "92108")), [], "the same hold seen at the trunk");
  assert.deepEqual(kinds(m.apply(e.retrieved(1, "1843"), at(3), "1843")), ["CONNECTED"]);
  assert.deepEqual(
    kinds(m.apply(e.held(1, "1843"), at(4), "1843")),
    ["HOLD"],
    "a second hold is a new event",
  );
  // Hold recall: the held call rings at the holder again, who takes it back.
  const recall = m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { cause: "recall" }), at(60), "1843");
  assert.deepEqual(kinds(recall), ["RINGING"]);
  assert.deepEqual(kinds(m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(61), "1843")), [
    "CONNECTED",
  ]);
});

Deno.test("DIVERTED names the new extension and the diverting one as source, then the call rings there", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  const diverted = m.apply(e.diverted(1, "1843", "2560", dev(CLI), dev("1843")), at(15), "92108");
  assert.deepEqual(diverted.map((r) => [r.event, r.extension, r.sourceExtension]), [[
    "DIVERTED",
    "2560",
    "1843",
  ]]);
  assert.deepEqual(m.apply(e.diverted(1, "1843", "2560", dev(CLI), dev("1843")), at(15), "1843"), []);
  const ringing = m.apply(
    e.delivered(1, "2560", dev(CLI), dev("1843"), { cause: "callForwardNoAnswer" }),
    at(15),
    "2560",
  );
  assert.deepEqual(ringing.map((r) => [r.event, r.extension]), [["RINGING", "2560"]]);
  assert.deepEqual(m.calls()[0].connections.map((c) => c.device).sort(), ["2560", "92108"]);
});

Deno.test("a blind transfer is TRANSFERRED to the new extension from the transferring one, then RINGING there", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  const transfer = e.transferred({
    primary: 1,
    transferring: "1843",
    to: "2560",
    parties: [["92108", 1]],
    resulting: 1,
  });
  const records = [...m.apply(transfer, at(5), "92108"), ...m.apply(transfer, at(5), "1843")];
  assert.deepEqual(records.map((r) => [r.event, r.extension, r.sourceExtension]), [[
    "TRANSFERRED",
    "2560",
    "1843",
  ]]);
  const after = [
    ...m.apply(e.delivered(1, "2560", dev(CLI), dev("2560"), { cause: "singleStepTransfer" }), at(5), "2560"),
    ...m.apply(e.established(1, "2560", dev(CLI), dev("2560")), at(7), "2560"),
    ...m.apply(e.connectionCleared(1, "2560"), at(9), "2560"),
  ];
  assert.deepEqual(after.map((r) => [r.event, r.extension]), [
    ["RINGING", "2560"],
    ["CONNECTED", "2560"],
    ["DISCONNECTED", "2560"],
  ]);
});

Deno.test("a transfer after the consultation was answered is TRANSFERRED then CONNECTED at once", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  m.apply(e.held(1, "1843"), at(2), "1843");
  m.apply(e.originated(2, "1843", dev("2560")), at(2), "1843");
  m.apply(e.delivered(2, "2560", dev("1843"), dev("2560")), at(3), "2560");
  m.apply(e.established(2, "2560", dev("1843"), dev("2560")), at(4), "2560");
  const records = m.apply(
    e.transferred({
      primary: 1,
      secondary: 2,
      transferring: "1843",
      to: "2560",
      parties: [["92108", 1], ["2560", 2]],
      resulting: 1,
    }),
    at(6),
    "2560",
  );
  assert.deepEqual(records.map((r) => [r.event, r.extension, r.sourceExtension ?? ""]), [
    ["TRANSFERRED", "2560", "1843"],
    ["CONNECTED", "2560", ""],
  ]);
  assert.equal(m.size, 1, "the consultation call merged into the trunk call");
});

Deno.test("the trunk call keeps its call ID when the PBX keeps the consultation's callID after a transfer", () => {
  const m = model();
  const first = m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  m.apply(e.held(1, "1843"), at(2), "1843");
  m.apply(e.delivered(2, "2560", dev("1843"), dev("2560")), at(3), "2560");
  const records = m.apply(
    e.transferred({
      primary: 1,
      secondary: 2,
      transferring: "1843",
      to: "2560",
      parties: [["92108", 1], ["2560", 2]],
      resulting: 2,
    }),
    at(6),
    "2560",
  );
  assert.deepEqual(kinds(records), ["TRANSFERRED", "RINGING"]);
  assert.ok(records.every((r) => r.callSerial === first[0].callSerial && r.direction === "IN"));
  const end = m.apply(e.callCleared(2, "2560"), at(9), "2560");
  assert.deepEqual(end.map((r) => [r.event, r.extension, r.callSerial]), [[
    "DISCONNECTED",
    "2560",
    first[0].callSerial,
  ]]);
});

Deno.test("QUEUED names the group a call waits at; it rings a member when one is free", () => {
  const m = model();
  const queued = m.apply(e.queued(1, "600", dev(CLI), inbound), at(0), "600");
  assert.deepEqual(queued.map((r) => [r.event, r.extension, r.trunk]), [["QUEUED", "600", "92108"]]);
  const ringing = m.apply(
    e.delivered(1, "2560", dev(CLI), dev("600"), { cause: "distributed" }),
    at(20),
    "2560",
  );
  assert.deepEqual(ringing.map((r) => [r.event, r.extension]), [["RINGING", "2560"]]);
  assert.deepEqual(m.calls()[0].connections.map((c) => c.device).sort(), ["2560", "92108"]);
});

Deno.test("CALLMODIFIED follows an account code, a new caller number or a name, and is not repeated", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  const account = m.apply(e.callInformation(1, "1843", { account: "4711" }), at(2), "1843");
  assert.deepEqual(account.map((r) => [r.event, r.accountCode]), [["CALLMODIFIED", "4711"]]);
  assert.deepEqual(m.apply(e.callInformation(1, "1843", { account: "4711" }), at(2), "92108"), []);
  const number = m.apply(e.callInformation(1, "1843", { calling: dev("07700900123") }), at(3), "1843");
  assert.deepEqual(number.map((r) => [r.event, r.callerNumber]), [["CALLMODIFIED", "07700900123"]]);
  const name = m.apply(
    e.callInformation(1, "1843", { calling: dev("07700900123", "Jo Bloggs") }),
    at(4),
    "1843",
  );
  assert.deepEqual(name.map((r) => [r.event, r.contactName]), [["CALLMODIFIED", "Jo Bloggs"]]);
  const same = m.apply(e.held(1, "1843"), at(5), "1843");
  assert.deepEqual(same.map((r) => [r.event, r.accountCode, r.contactName]), [["HOLD", "4711", "Jo Bloggs"]]);
});

Deno.test("a caller number first given with the answer is in ANSWERED and reported as CALLMODIFIED", () => {
  const m = model();
  m.apply(
    e.delivered(1, "1843", notKnown, dev("1843"), { trunk: { ...inbound, outside: notKnown } }),
    at(0),
    "1843",
  );
  const records = m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  assert.deepEqual(records.map((r) => [r.event, r.callerNumber]), [["ANSWERED", CLI], ["CALLMODIFIED", CLI]]);
});

Deno.test("the outside party hanging up ends the SMDR call even while an extension stays on the PBX call", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  const end = m.apply(e.connectionCleared(1, "92108", dev(CLI)), at(5), "1843");
  assert.deepEqual(kinds(end), ["DISCONNECTED"]);
  assert.deepEqual(m.apply(e.held(1, "1843"), at(6), "1843"), [], "no record after DISCONNECTED");
  assert.deepEqual(m.apply(e.callCleared(1, "1843"), at(7), "1843"), []);
  assert.equal(m.size, 0);
});

Deno.test("an inbound call that finds the extension busy is one DISCONNECTED when the caller gives up", () => {
  const m = model();
  const failed = m.apply(e.failed(1, "92108", dev("1843"), dev(CLI), dev("1843")), at(0), "92108");
  assert.deepEqual(failed, []);
  const end = m.apply(e.connectionCleared(1, "92108", dev(CLI)), at(3), "92108");
  assert.deepEqual(end.map((r) => [r.event, r.direction, r.trunk, r.callerNumber]), [[
    "DISCONNECTED",
    "IN",
    "92108",
    CLI,
  ]]);
});

Deno.test("outbound: the dialled number without the outside-line code; unanswered calls end without ANSWERED", () => {
  const m = model("9");
  const dialled = dev("9" + CLI);
  m.apply(e.originated(2, "1843", dialled), at(0), "1843");
  m.apply(e.networkReached(2, "92808", "1843", dialled), at(0), "1843");
  const ringing = m.apply(
    e.delivered(2, "92808", dev("1843"), dialled, { alerting: dialled }),
    at(1),
    "1843",
  );
  assert.deepEqual(ringing.map((r) => [r.event, r.direction, r.extension, r.trunk, r.callerNumber]), [
    ["RINGING", "OUT", "1843", "92808", CLI],
  ]);
  assert.deepEqual(kinds(m.apply(e.connectionCleared(2, "1843"), at(9), "1843")), ["DISCONNECTED"]);
  const kept = model("");
  kept.apply(e.networkReached(3, "92808", "1843", dialled), at(0), "1843");
  const [record] = kept.apply(
    e.delivered(3, "92808", dev("1843"), dialled, { alerting: dialled }),
    at(1),
    "1843",
  );
  assert.equal(record.callerNumber, "9" + CLI, "without a configured code the number stays as dialled");
});

Deno.test("a conference brings the held extension and the consulted one onto the trunk call as CONNECTED", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  m.apply(e.held(1, "1843"), at(2), "1843");
  m.apply(e.originated(2, "1843", dev("2560")), at(2), "1843");
  m.apply(e.established(2, "2560", dev("1843"), dev("2560")), at(3), "2560");
  const conference = e.conferenced({
    primary: 1,
    secondary: 2,
    conferencing: "1843",
    added: "2560",
    parties: [["92108", 1], ["1843", 1], ["2560", 2]],
  });
  const records = [...m.apply(conference, at(4), "1843"), ...m.apply(conference, at(4), "2560")];
  assert.deepEqual(records.map((r) => [r.event, r.extension]).sort(), [["CONNECTED", "1843"], [
    "CONNECTED",
    "2560",
  ]]);
  assert.equal(m.size, 1);
  assert.deepEqual(kinds(m.apply(e.connectionCleared(1, "1843"), at(8), "1843")), []);
  assert.deepEqual(kinds(m.apply(e.connectionCleared(1, "2560"), at(9), "2560")), ["DISCONNECTED"]);
});

Deno.test("reconcile after a reconnect: vanished calls end with DISCONNECTED, calls still up continue", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  m.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843");
  m.apply(
    e.delivered(2, "2560", dev("07700900123"), dev("2560"), { trunk: { ...inbound, trunk: "92808" } }),
    at(1),
    "2560",
  );
  const records = m.reconcile([
    { device: "1843", calls: [] },
    { device: "2560", calls: [{ connection: conn(2, "2560"), state: "connected" }] },
    { device: "92108", calls: [] },
    { device: "92808", calls: [{ connection: conn(2, "92808"), state: "connected" }] },
  ], at(30));
  assert.deepEqual(records.map((r) => [r.event, r.extension, r.trunk]), [
    ["DISCONNECTED", "1843", "92108"],
    ["ANSWERED", "2560", "92808"],
  ]);
  assert.deepEqual(m.calls().map((c) => c.trunk), ["92808"]);
  assert.deepEqual(kinds(m.apply(e.held(2, "2560"), at(31), "2560")), ["HOLD"], "the call goes on as before");
});

Deno.test("restore after a restart: calls kept in the store go on under their call IDs or end with DISCONNECTED", () => {
  const before = model();
  const made = [
    ...before.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843"),
    ...before.apply(e.established(1, "1843", dev(CLI), dev("1843")), at(1), "1843"),
    ...before.apply(
      e.delivered(2, "2560", dev("07700900123"), dev("2560"), { trunk: { ...inbound, trunk: "92808" } }),
      at(1),
      "2560",
    ),
  ];
  const { going, ended } = before.trunkCallsOf(made);
  assert.deepEqual(ended, []);
  // What the store holds is JSON: the restarted model gets it through a round trip.
  const stored = JSON.parse(JSON.stringify(going));
  const serials = made.map((r) => r.callSerial);

  const after = model();
  assert.equal(after.restore(stored, at(20)), Math.max(...serials));
  const records = after.reconcile([
    { device: "1843", calls: [] },
    { device: "2560", calls: [{ connection: conn(2, "2560"), state: "connected" }] },
    { device: "92108", calls: [] },
    { device: "92808", calls: [{ connection: conn(2, "92808"), state: "connected" }] },
  ], at(30));
  assert.deepEqual(records.map((r) => [r.event, r.extension, r.trunk, r.callSerial, r.callerNumber]), [
    ["DISCONNECTED", "1843", "92108", made[0].callSerial, made[0].callerNumber],
    ["ANSWERED", "2560", "92808", made[2].callSerial, "07700900123"],
  ]);
  assert.deepEqual(after.trunkCallsOf(records).ended, [made[0].callSerial]);
  const held = after.apply(e.held(2, "2560"), at(31), "2560");
  assert.deepEqual(held.map((r) => [r.event, r.callSerial, r.callStart]), [[
    "HOLD",
    made[2].callSerial,
    at(1),
  ]]);
});

Deno.test("reconcile: a call first seen in a snapshot is shown but gets no records without evidence of its direction", () => {
  const m = model();
  m.reconcile([{ device: "1843", calls: [{ connection: conn(9, "1843"), state: "connected" }] }], at(0));
  assert.equal(m.calls()[0].direction, "internal");
  assert.deepEqual(m.apply(e.held(9, "1843"), at(1), "92108"), []);
  assert.deepEqual(m.apply(e.connectionCleared(9, "1843"), at(2), "1843"), []);
  assert.equal(m.size, 0);
});

Deno.test("calls that hear nothing for the idle limit end with DISCONNECTED", () => {
  const m = model();
  m.apply(e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(0), "1843");
  assert.deepEqual(m.expireIdle(at(10), 60_000), []);
  assert.deepEqual(kinds(m.expireIdle(at(60), 60_000)), ["DISCONNECTED"]);
  assert.equal(m.size, 0);
});

Deno.test("an event without a callID or about no call is ignored and counted", () => {
  const m = model();
  const records = m.apply(
    { kind: "doNotDisturb", device: dev("1843"), doNotDisturbOn: true },
    at(0),
    "1843",
  );
  assert.deepEqual(records, []);
  assert.equal(m.counters.ignored, 1);
  assert.deepEqual(m.apply(e.connectionCleared(77, "1843"), at(0), "1843"), []);
  assert.equal(m.size, 0);
});

Deno.test("reconcile: a call that began and ended while the snapshots were taken is not brought back", () => {
  const m = model();
  m.snapshotsStarted(at(0));
  m.apply(e.delivered(5, "2560", dev(CLI), dev("2560"), { trunk: inbound }), at(1), "2560");
  m.apply(e.connectionCleared(5, "92108", dev(CLI)), at(2), "2560");
  m.apply(e.callCleared(5, "2560"), at(2), "2560");
  m.apply(e.delivered(6, "1843", dev(CLI), dev("1843"), { trunk: inbound }), at(3), "1843");
  // The snapshot of 2560 was taken while call 5 rang; 1843's before call 6 began.
  const records = m.reconcile([
    { device: "2560", calls: [{ connection: conn(5, "2560"), state: "alerting" }] },
    { device: "1843", calls: [] },
  ], at(4));
  assert.deepEqual(records, []);
  assert.deepEqual(m.calls().map((c) => c.callId), ["0006"], "call 6 is newer than the snapshot and stays");
});

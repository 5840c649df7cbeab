import assert from "node:assert/strict";
import fc from "fast-check";
import { CallModel } from "../../../src/calls/call_model.ts";
import type { PartyDirectory } from "../../../src/calls/party.ts";
import { ManualClock } from "../../../src/clock.ts";
import { callId as smdrCallId, formatRecord, RECORD_LENGTH } from "../../../src/smdr/record.ts";
import { checkSmdrEvent, type SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { CallEngine, type DeviceConnection } from "../../../src/sim/call_engine.ts";
import type { EngineFact } from "../../../src/sim/call_facts.ts";
import { DeviceAddressing, type DeviceForm } from "../../../src/sim/device_addressing.ts";
import { DevicePlan } from "../../../src/sim/device_plan.ts";
import { cstaEventFor } from "../../../src/sim/event_builder.ts";
import { startRemoteParties } from "../../../src/sim/remote_parties.ts";
import { TrafficGenerator } from "../../../src/sim/traffic.ts";
import { wire } from "./csta_events.ts";

/** A record with the engine call whose event produced it. */
interface Produced {
  record: SmdrEvent;
  engineCall: number | undefined;
}

interface Rig {
  engine: CallEngine;
  clock: ManualClock;
  produced: Produced[];
  /** Engine calls that had a trunk connection at some moment. */
  trunkCalls: Set<number>;
  model: CallModel;
}

/**
 * The simulator's engine with the call model listening: every event goes to the model once per monitored
 * device it is reported at, through the CSTA encoder and decoder, as the tracker receives it.
 */
function rig(options: { form: DeviceForm; monitorTrunks: boolean; plan: DevicePlan }): Rig {
  const { plan } = options;
  const clock = new ManualClock(new Date(2026, 2, 9, 8, 0, 0).getTime());
  const engine = new CallEngine({ plan, clock, maxConferenceParties: 4, noAnswerMs: 7000 });
  const addressing = new DeviceAddressing(plan, options.form);
  const directory: PartyDirectory = {
    kindOf: (number) => plan.device(number)?.kind ?? "external",
    numberOfDevice: (n) => plan.deviceByNumber(n)?.number,
  };
  const model = new CallModel({ directory, outsideLineAccess: () => plan.outsideLineCode });
  const produced: Produced[] = [];
  const trunkCalls = new Set<number>();
  const isTrunk = (device: string) => plan.device(device)?.kind === "trunk";
  engine.subscribe((fact: EngineFact) => {
    if (fact.kind !== "event") return;
    const callId = fact.callId;
    if (callId !== undefined) {
      const touched = [
        ...engine.callConnections(callId).map((c) => c.device),
        ...fact.cleared.filter((c) => c.callId === callId).map((c) => c.device),
        ...fact.observers.map((o) => o.device),
      ];
      if (touched.some(isTrunk)) trunkCalls.add(callId);
    }
    for (const observer of fact.observers) {
      if (!options.monitorTrunks && isTrunk(observer.device)) continue;
      const event = cstaEventFor(fact.event, observer, callId, addressing);
      if (!event) continue;
      for (const record of model.apply(wire(event), new Date(clock.now()), observer.device)) {
        produced.push({ record, engineCall: callId });
      }
    }
  });
  return { engine, clock, produced, trunkCalls, model };
}

function smallPlan(): DevicePlan {
  return DevicePlan.build({
    extensions: "101-106",
    trunks: 2,
    pickupGroupSize: 3,
    groups: [{ number: "600", name: "G", members: ["101", "102"], queueLimit: 2 }],
  });
}

/** Ends every call left: traffic stopped, each call cleared by one of its parties. */
function tearDown(engine: CallEngine, clock: ManualClock): void {
  for (let round = 0; round < 50 && engine.callCount > 0; round++) {
    for (const call of engine.snapshot()) {
      const [first] = call.connections;
      if (first) engine.clearCall({ callId: call.callId, device: first.device });
    }
    clock.advance(120_000);
  }
  assert.equal(engine.callCount, 0, "the engine ended every call");
}

/**
 * With trunks unmonitored, a call whose last internal party left without the PBX telling a monitored
 * device (a diversion to a busy extension, then the caller hangs up) is only ended by the tracker's idle
 * limit: run it as the tracker would.
 */
function expireUnseen(r: Rig): void {
  const idleMs = 24 * 3600_000;
  const at = new Date(r.clock.now() + idleMs);
  const engineCallOf = new Map(r.model.calls().map((c) => [c.smdrCallId, Number.parseInt(c.callId, 16)]));
  for (const record of r.model.expireIdle(at, idleMs)) {
    r.produced.push({
      record,
      engineCall: engineCallOf.get(smdrCallId(record.callStart, record.callSerial)),
    });
  }
}

/** The invariants of the records of a whole run. */
function checkRecords(r: Rig): void {
  const byCall = new Map<string, Produced[]>();
  for (const p of r.produced) {
    checkSmdrEvent(p.record);
    assert.equal(formatRecord(p.record, { padding: "0" }).length, RECORD_LENGTH);
    assert.ok(
      p.engineCall !== undefined && r.trunkCalls.has(p.engineCall),
      `${p.record.event} for engine call ${p.engineCall}, which never used a trunk`,
    );
    const key = `${p.record.callStart.getTime()}/${p.record.callSerial}`;
    byCall.set(key, [...(byCall.get(key) ?? []), p]);
  }
  for (const [key, records] of byCall) {
    const events = records.map((p) => p.record.event);
    assert.equal(
      events.filter((e) => e === "DISCONNECTED").length,
      1,
      `one DISCONNECTED for ${key}: ${events}`,
    );
    assert.equal(events.at(-1), "DISCONNECTED", `DISCONNECTED last for ${key}: ${events}`);
    assert.ok(events.filter((e) => e === "ANSWERED").length <= 1, `ANSWERED at most once: ${events}`);
    assert.equal(new Set(records.map((p) => p.record.direction)).size, 1, "one direction per call");
  }
  assert.equal(r.model.size, 0, "the model forgot every call");
}

const OPS = [
  "makeCall",
  "incoming",
  "answer",
  "clearConnection",
  "clearCall",
  "hold",
  "retrieve",
  "consult",
  "alternate",
  "reconnect",
  "transfer",
  "conference",
  "singleStepTransfer",
  "singleStepConference",
  "deflect",
  "groupPickup",
  "directedPickup",
  "offHook",
  "dialDigits",
  "callBack",
  "campOn",
  "intrude",
  "setForwarding",
  "setDnd",
  "networkAlert",
  "networkAnswer",
  "networkBusy",
  "networkRelease",
  "wait",
] as const;

const command = fc.record({
  op: fc.constantFrom(...OPS),
  a: fc.nat(1000),
  b: fc.nat(1000),
  flag: fc.boolean(),
});
type Command = { op: (typeof OPS)[number]; a: number; b: number; flag: boolean };

/** Carries out one random command on the engine, choosing parties from what exists now. */
function play(engine: CallEngine, clock: ManualClock, cmd: Command): void {
  const plan = engine.plan;
  const extensions = plan.extensions().map((e) => e.number);
  const trunks = plan.trunks().map((t) => t.number);
  const numbers = [...extensions, "600", "00301234567", "0891234", "999"];
  const conns: DeviceConnection[] = engine.snapshot().flatMap((call) =>
    call.connections.map((c) => ({ callId: call.callId, device: c.device, state: c.state }))
  );
  const ext = (n: number) => extensions[n % extensions.length];
  const num = (n: number) => numbers[n % numbers.length];
  const trunk = (n: number) => trunks[n % trunks.length];
  const conn = (n: number, ...states: string[]) => {
    const fitting = conns.filter((c) => states.includes(c.state));
    return fitting.length > 0 ? fitting[n % fitting.length] : { callId: 0, device: "101" };
  };
  const pair = (n: number, m: number): [DeviceConnection, DeviceConnection] => {
    const held = conn(n, "hold") as DeviceConnection;
    const others = conns.filter((x) => x.device === held.device && x.callId !== held.callId);
    return [held, others.length > 0 ? others[m % others.length] : held];
  };
  const { a, b } = cmd;
  switch (cmd.op) {
    case "makeCall":
      return void engine.makeCall(ext(a), num(b));
    case "incoming":
      return void engine.incomingCall({
        cli: cmd.flag ? "0301234567" : undefined,
        ddi: plan.ddiTable()[b % plan.ddiTable().length][0],
      });
    case "answer":
      return void engine.answerCall(conn(a, "alerting"));
    case "clearConnection":
      return void engine.clearConnection(conn(a, "connected", "alerting", "fail", "hold", "queued"));
    case "clearCall":
      return void engine.clearCall(conn(a, "connected"));
    case "hold":
      return void engine.holdCall(conn(a, "connected"));
    case "retrieve":
      return void engine.retrieveCall(conn(a, "hold"));
    case "consult":
      return void engine.consultationCall(conn(a, "connected"), num(b));
    case "alternate":
      return void engine.alternateCall(...pair(a, b));
    case "reconnect":
      return void engine.reconnectCall(pair(a, b)[1], pair(a, b)[0]);
    case "transfer":
      return void engine.transferCall(...pair(a, b));
    case "conference":
      return void engine.conferenceCall(...pair(a, b));
    case "singleStepTransfer":
      return void engine.singleStepTransfer(conn(a, "connected"), num(b));
    case "singleStepConference":
      return void engine.singleStepConference(conn(a, "connected"), ext(b), cmd.flag ? "silent" : "active");
    case "deflect":
      return void engine.deflectCall(conn(a, "alerting"), num(b));
    case "groupPickup":
      return void engine.groupPickup(ext(a));
    case "directedPickup":
      return void engine.directedPickup(conn(a, "alerting"), ext(b));
    case "offHook":
      return void engine.offHook(ext(a));
    case "dialDigits":
      return void engine.dialDigits(conn(a, "initiated"), num(b));
    case "callBack":
      return void engine.callBack(conn(a, "fail"));
    case "campOn":
      return void engine.campOn(conn(a, "fail"));
    case "intrude":
      return void engine.intrudeCall(conn(a, "fail"));
    case "setForwarding":
      return void engine.setForwarding(
        ext(a),
        cmd.flag ? "forwardImmediate" : "forwardNoAns",
        b % 3 !== 0,
        num(b),
        5000,
      );
    case "setDnd":
      return void engine.setDoNotDisturb(ext(a), cmd.flag);
    case "networkAlert":
      return void engine.networkAlert(trunk(a));
    case "networkAnswer":
      return void engine.networkAnswer(trunk(a));
    case "networkBusy":
      return void engine.networkBusy(trunk(a));
    case "networkRelease":
      return void engine.networkRelease(trunk(a));
    case "wait":
      return clock.advance((a % 40) * 1000);
  }
}

Deno.test("property: any service sequence of the simulator's engine gives each trunk call one DISCONNECTED, last, and no records for other calls", () => {
  let records = 0;
  fc.assert(
    fc.property(
      fc.array(command, { minLength: 20, maxLength: 80 }),
      fc.constantFrom<DeviceForm>("dialingNumber", "deviceNumber"),
      (commands, form) => {
        const r = rig({ form, monitorTrunks: true, plan: smallPlan() });
        for (const cmd of commands) play(r.engine, r.clock, cmd);
        tearDown(r.engine, r.clock);
        checkRecords(r);
        records += r.produced.length;
      },
    ),
    { numRuns: 400, seed: 90901 },
  );
  assert.ok(records > 1000, `the sequences made trunk calls (${records} records)`);
});

Deno.test("property: random traffic (holds, transfers, deflections, queues, busy far ends) keeps the same invariants, trunks monitored or not", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), (seed, monitorTrunks) => {
      const plan = DevicePlan.build({ extensions: "101-108", trunks: 3 });
      const r = rig({ form: "dialingNumber", monitorTrunks, plan });
      const stopRemote = startRemoteParties(r.engine, r.clock);
      const traffic = new TrafficGenerator(r.engine, r.clock, {
        callsPerMinute: 30,
        seed,
        talkMeanMs: 20_000,
        holdProbability: 0.3,
        transferProbability: 0.3,
        deflectProbability: 0.1,
      });
      traffic.start();
      for (let minute = 0; minute < 10; minute++) r.clock.advance(60_000);
      traffic.stop();
      stopRemote();
      tearDown(r.engine, r.clock);
      if (!monitorTrunks) expireUnseen(r);
      checkRecords(r);
      assert.ok(r.produced.length > 0, "the traffic made trunk calls");
    }),
    { numRuns: 40, seed: 424242 },
  );
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { CallModel } from "../../../src/calls/call_model.ts";
import type { PartyDirectory } from "../../../src/calls/party.ts";
import { ManualClock } from "../../../src/clock.ts";
import { callId as smdrCallId, formatRecord, RECORD_LENGTH } from "../../../src/smdr/record.ts";
import { checkSmdrEvent, type SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { CallEngine } from "../../../src/sim/call_engine.ts";
import type { EngineFact } from "../../../src/sim/call_facts.ts";
import { DeviceAddressing, type DeviceForm } from "../../../src/sim/device_addressing.ts";
import { DevicePlan } from "../../../src/sim/device_plan.ts";
import { cstaEventFor } from "../../../src/sim/event_builder.ts";
import { startRemoteParties } from "../../../src/sim/remote_parties.ts";
import { TrafficGenerator } from "../../../src/sim/traffic.ts";
import { wire } from "./csta_events.ts";
import { applyCommand, command, tearDown } from "../../support/engine_commands.ts";

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
/** Ends every call the commands left, and checks the engine agrees they are all gone. */
function endAllCalls(engine: CallEngine, clock: ManualClock): void {
  tearDown(engine, clock);
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

Deno.test("property: any service sequence of the simulator's engine gives each trunk call one DISCONNECTED, last, and no records for other calls", () => {
  let records = 0;
  fc.assert(
    fc.property(
      fc.array(command, { minLength: 20, maxLength: 80 }),
      fc.constantFrom<DeviceForm>("dialingNumber", "deviceNumber"),
      (commands, form) => {
        const r = rig({ form, monitorTrunks: true, plan: smallPlan() });
        for (const cmd of commands) applyCommand(r.engine, r.clock, cmd);
        endAllCalls(r.engine, r.clock);
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
      endAllCalls(r.engine, r.clock);
      if (!monitorTrunks) expireUnseen(r);
      checkRecords(r);
      assert.ok(r.produced.length > 0, "the traffic made trunk calls");
    }),
    { numRuns: 40, seed: 424242 },
  );
});

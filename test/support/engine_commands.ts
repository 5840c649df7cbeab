// A random-command driver for the simulator's call engine, shared by the property tests of the engine
// and of the call model: each command picks devices, numbers and connections from the current state, now
// and then a wrong one on purpose so that refusals are exercised too.

import fc from "fast-check";
import type { ManualClock } from "../../src/clock.ts";
import type { CallEngine, DeviceConnection } from "../../src/sim/call_engine.ts";
import { FORWARDING_TYPES } from "../../src/sim/device_features.ts";

export const OPS = [
  "makeCall",
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
  "generateDigits",
  "offHook",
  "dialDigits",
  "callBack",
  "campOn",
  "intrude",
  "setForwarding",
  "setDnd",
  "incoming",
  "networkAlert",
  "networkAnswer",
  "networkBusy",
  "networkRelease",
  "wait",
] as const;

/** One random engine command. */
export const command = fc.record({
  op: fc.constantFrom(...OPS),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
  flag: fc.boolean(),
});
export type Command = { op: (typeof OPS)[number]; a: number; b: number; c: number; flag: boolean };

/** Applies one random command, choosing devices, numbers and connections from the current state. */
export function applyCommand(engine: CallEngine, clock: ManualClock, cmd: Command): void {
  const plan = engine.plan;
  const extensions = plan.extensions().map((e) => e.number);
  const trunks = plan.trunks().map((t) => t.number);
  const numbers = [...extensions, "600", "0301234567", "0891234", "999", "10"];
  const conns: DeviceConnection[] = engine.snapshot().flatMap((call) =>
    call.connections.map((c) => ({ callId: call.callId, device: c.device, state: c.state }))
  );
  const ext = (n: number) => extensions[n % extensions.length];
  const num = (n: number) => numbers[n % numbers.length];
  const trunk = (n: number) => trunks[n % trunks.length];
  // Mostly pick a connection in the state the service needs, sometimes any (to exercise refusals).
  const conn = (n: number, ...states: string[]) => {
    const fitting = conns.filter((c) => states.includes(c.state));
    const pool = fitting.length > 0 && n % 5 !== 0 ? fitting : conns;
    return pool.length > 0 ? pool[n % pool.length] : { callId: 0, device: "101" };
  };
  // A held connection and another of the same device, for alternate/transfer/conference/reconnect.
  const pair = (n: number, m: number): [DeviceConnection, DeviceConnection] => {
    const held = conn(n, "hold") as DeviceConnection;
    const others = conns.filter((x) => x.device === held.device && x.callId !== held.callId);
    return [held, others.length > 0 && m % 5 !== 0 ? others[m % others.length] : conn(m) as DeviceConnection];
  };
  const { a, b, c } = cmd;
  switch (cmd.op) {
    case "makeCall":
      return void engine.makeCall(ext(a), num(b));
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
    case "generateDigits":
      return void engine.generateDigits(conn(a, "connected"), "12#");
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
        FORWARDING_TYPES[c % FORWARDING_TYPES.length],
        cmd.flag,
        num(b),
        5000,
      );
    case "setDnd":
      return void engine.setDoNotDisturb(ext(a), cmd.flag);
    case "incoming":
      return void engine.incomingCall({
        cli: cmd.flag ? "0301234567" : undefined,
        ddi: plan.ddiTable()[b % plan.ddiTable().length][0],
      });
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

/** Clears every call left over, letting time pass so timers (recalls, no-answer) run out. */
export function tearDown(engine: CallEngine, clock: ManualClock): void {
  for (let round = 0; round < 50 && engine.callCount > 0; round++) {
    for (const call of engine.snapshot()) {
      const [first] = call.connections;
      if (first) engine.clearCall({ callId: call.callId, device: first.device });
    }
    clock.advance(120_000);
  }
}

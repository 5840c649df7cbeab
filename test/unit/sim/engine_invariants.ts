// Test support: the call engine's invariants, checked on every fact (no event names a connection that
// does not exist, states reported match the engine) and on the structure (one call per connection).

import assert from "node:assert/strict";
import type { CallEngine } from "../../../src/sim/call_engine.ts";
import { connectionsNamed, connKey, type EngineFact } from "../../../src/sim/call_facts.ts";

/** Checks every fact as it is reported; throws on the first broken invariant. */
export function watchInvariants(engine: CallEngine): { errors: string[]; factLive: Set<string> } {
  const errors: string[] = [];
  let liveBefore = new Set<string>();
  const factLive = new Set<string>();
  const liveNow = () => {
    const live = new Set<string>();
    for (const call of engine.snapshot()) {
      for (const c of call.connections) live.add(connKey({ callId: call.callId, device: c.device }));
    }
    return live;
  };
  engine.subscribe((fact: EngineFact) => {
    if (fact.kind !== "event") return;
    const liveAfter = liveNow();
    const cleared = new Set(fact.cleared.map(connKey));
    for (const ref of connectionsNamed(fact.event)) {
      const key = connKey(ref);
      if (!liveBefore.has(key) && !liveAfter.has(key) && !cleared.has(key)) {
        errors.push(`${fact.event.type} names ${key}, which is not a connection`);
      }
    }
    for (const key of cleared) {
      if (liveAfter.has(key)) errors.push(`${fact.event.type} clears ${key}, which still exists`);
      factLive.delete(key);
    }
    for (const ref of connectionsNamed(fact.event)) {
      const key = connKey(ref);
      if (!cleared.has(key) && liveAfter.has(key)) factLive.add(key);
    }
    for (const key of factLive) {
      if (!liveAfter.has(key)) {
        errors.push(`${key} was never reported cleared but is gone after ${fact.event.type}`);
      }
    }
    if (fact.callId !== undefined) {
      for (const observer of fact.observers) {
        const actual = engine.stateOf({ callId: fact.callId, device: observer.device }) ?? "null";
        if (observer.localState !== actual) {
          errors.push(
            `${fact.event.type} tells ${observer.device} it is ${observer.localState}, but it is ${actual}`,
          );
        }
      }
    }
    liveBefore = liveAfter;
  });
  return { errors, factLive };
}

export function checkStructure(engine: CallEngine): void {
  const byCall = new Map<string, string>();
  for (const call of engine.snapshot()) {
    assert.ok(call.connections.length > 0, `call ${call.callId} has no connection`);
    for (const c of call.connections) byCall.set(connKey({ callId: call.callId, device: c.device }), c.state);
  }
  const devices = engine.plan.devices().map((d) => d.number);
  let listed = 0;
  for (const device of devices) {
    for (const c of engine.connectionsOf(device)) {
      listed++;
      assert.equal(byCall.get(connKey(c)), c.state, `connection ${connKey(c)} belongs to its call`);
    }
  }
  assert.equal(listed, byCall.size, "every connection belongs to exactly one call and one device");
  for (const device of engine.plan.devices()) {
    const conns = engine.connectionsOf(device.number);
    const active = conns.filter((c) =>
      c.state === "connected" || c.state === "initiated" || c.state === "fail"
    );
    assert.ok(active.length <= 1, `${device.number} talks in one call at a time`);
    if (device.kind === "trunk") assert.ok(conns.length <= 1, `CO line ${device.number} carries one call`);
  }
}

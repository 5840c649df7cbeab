import assert from "node:assert/strict";
import type { CallEvent } from "../../../src/calls/call_event.ts";
import { connectionDevice } from "../../../src/csta/connection_id.ts";
import { identifierDigits } from "../../../src/csta/device_id.ts";
import { LineCalls } from "../../../src/line_api/line_calls.ts";
import { conn, dev, events, tableDirectory } from "../calls/csta_events.ts";

const at = new Date("2026-12-07T03:00:00Z");

function line(partner?: string): LineCalls {
  let n = 0;
  return new LineCalls({
    devices: { number: "101", ...(partner ? { partner } : {}) },
    directory: tableDirectory({ "101": "extension", "102": "extension", "151": "extension", "801": "trunk" }),
    numbering: {
      rules: { apply: (_list, number) => number },
      plan: { format: (input) => input },
    },
    newCallId: () => `test-${++n}`,
  });
}

const states = (out: CallEvent[]) =>
  out.map((e) => `${e.callId} ${e.address} ${e.previousState}->${e.state}`);

Deno.test("a call offered to the line: offering, connected, the caller hangs up, idle; parties and origin", () => {
  const calls = line();
  const offered = calls.apply(
    events.delivered(7, "101", dev("0301234567"), dev("101"), {
      trunk: { outside: dev("0301234567"), trunk: "801", direction: "in" },
    }),
    at,
  );
  assert.deepEqual(states(offered), ["test-1 0 idle->offering"]);
  assert.equal(offered[0].origin, "inbound");
  assert.equal(offered[0].direction, "incoming");
  assert.equal(offered[0].parties.caller?.number, "0301234567");
  assert.deepEqual(states(calls.apply(events.established(7, "101", dev("0301234567"), dev("101")), at)), [
    "test-1 0 offering->connected",
  ]);
  assert.deepEqual(states(calls.apply(events.connectionCleared(7, "801", dev("801"), "connected"), at)), [
    "test-1 0 connected->disconnected",
  ]);
  assert.deepEqual(states(calls.apply(events.callCleared(7, "101"), at)), ["test-1 0 disconnected->idle"]);
  assert.deepEqual(calls.list(), []);
});

Deno.test("a call offered in the offered mode is accepted when it starts ringing, then connected", () => {
  const calls = line();
  assert.deepEqual(states(calls.apply(events.offered(8, "101", dev("102"), dev("101")), at)), [
    "test-1 0 idle->offering",
  ]);
  // AcceptCall (by the device or another application): the PBX reports the call alerting.
  assert.deepEqual(states(calls.apply(events.delivered(8, "101", dev("102"), dev("101")), at)), [
    "test-1 0 offering->accepted",
  ]);
  assert.deepEqual(states(calls.apply(events.established(8, "101", dev("102"), dev("101")), at)), [
    "test-1 0 accepted->connected",
  ]);
  // A call that only rings (no Offered first) is offering, never accepted.
  assert.deepEqual(states(calls.apply(events.delivered(9, "101", dev("102"), dev("101")), at)), [
    "test-2 0 idle->offering",
  ]);
  assert.deepEqual(calls.apply(events.delivered(9, "101", dev("102"), dev("101")), at), []);
});

Deno.test("a snapshot ends calls the PBX no longer has and adds those it has", () => {
  const calls = line();
  calls.apply(events.delivered(1, "101", dev("102"), dev("101")), at);
  const out = calls.reconcile([{ connection: conn(2, "101"), own: "connected", others: ["connected"] }], at);
  assert.deepEqual(states(out), ["test-2 0 idle->connected", "test-1 0 offering->idle"]);
  // A conference reads as connected in a snapshot: the state is kept.
  const same = calls.reconcile([{ connection: conn(2, "101"), own: "connected", others: ["connected"] }], at);
  assert.deepEqual(same, []);
});

Deno.test("Super-Twin: both ring, the portable answers, the call moves to address 1 and stays", () => {
  const calls = line("151");
  assert.deepEqual(states(calls.apply(events.delivered(3, "101", dev("102"), dev("101")), at)), [
    "test-1 0 idle->offering",
  ]);
  // The portable rings too: still the same call, still where it began.
  assert.deepEqual(calls.apply(events.delivered(3, "151", dev("102"), dev("101")), at), []);
  assert.deepEqual(states(calls.apply(events.established(3, "151", dev("102"), dev("101")), at)), [
    "test-1 1 offering->connected",
  ]);
  // The desk phone stops ringing: the line keeps the call, at the Mobile address.
  const moved = calls.apply(events.connectionCleared(3, "101", dev("101"), "null"), at);
  assert.equal(moved.length, 1);
  assert.equal(moved[0].state, "connected");
  assert.equal(moved[0].address, 1);
  assert.equal(calls.list().length, 1);
  const own = connectionDevice(calls.ownConnection(calls.list()[0]));
  assert.equal(own && identifierDigits(own.deviceIdentifier), "151", "operations go to the portable");
});

// snapshotConnectionStates: the one reader of a SnapshotDevice CallState, used by the call tracker and the line API.

import assert from "node:assert/strict";
import { decodeValue } from "../../../src/csta/codec.ts";
import { callState, snapshotConnectionStates } from "../../../src/csta/connection_state.ts";
import { hexBytes } from "../../fixtures/protocol_examples.ts";

Deno.test("a compound CallState lists the snapshot device's own state first, then the others", () => {
  const state = decodeValue(callState, hexBytes("A0 06 4E 01 04 4E 01 03"));
  assert.deepEqual(snapshotConnectionStates(state), { own: "hold", others: ["connected"] });
});

Deno.test("a SimpleCallState is read as two hex digits, the low one the device's own (0x34: it holds)", () => {
  const held = decodeValue(callState, hexBytes("81 01 34"));
  assert.deepEqual(snapshotConnectionStates(held), { own: "hold", others: ["connected"] });
  const received = decodeValue(callState, hexBytes("81 01 32"));
  assert.deepEqual(snapshotConnectionStates(received), { own: "alerting", others: ["connected"] });
});

Deno.test("an unknown CallState or an out-of-table connection state gives no own state", () => {
  assert.deepEqual(snapshotConnectionStates(decodeValue(callState, hexBytes("82 00"))), { others: [] });
  const odd = decodeValue(callState, hexBytes("A0 06 4E 01 09 4E 01 03"));
  assert.deepEqual(snapshotConnectionStates(odd), { own: undefined, others: ["connected"] });
});

import assert from "node:assert/strict";
import { type CallEvent, callEventSchema, LINE_CALL_STATES } from "../../../src/calls/call_event.ts";

const event: CallEvent = {
  line: "101",
  address: 0,
  callId: "c7",
  state: "connected",
  previousState: "offering",
  cause: "newCall",
  parties: {
    caller: { number: "0301234567", canonical: "+49(30)1234567", name: "CHRIS" },
    called: { number: "101", canonical: "+49(30)12345-101" },
    connected: null,
  },
  origin: "inbound",
  direction: "incoming",
  at: "2026-12-07T02:40:00.000Z",
};

Deno.test("a call event with TAPI state names parses; unknown states, fields and addresses are refused", () => {
  assert.deepEqual(callEventSchema.parse(event), event);
  assert.equal(LINE_CALL_STATES.length, 15);
  const refused = (value: unknown) => callEventSchema.safeParse(value).success;
  assert.equal(refused({ ...event, state: "ringing" }), false);
  assert.equal(refused({ ...event, address: 2 }), false);
  assert.equal(refused({ ...event, extra: 1 }), false);
  assert.equal(refused({ ...event, parties: { ...event.parties, caller: { number: "1" } } }), false);
  assert.equal(refused({ ...event, at: "yesterday" }), false);
});

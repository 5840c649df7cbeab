import assert from "node:assert/strict";
import { type CallView, liveCallSummary } from "../../../src/calls/call_view.ts";

const base: CallView = {
  callId: "0011",
  firstSeen: "2026-03-09T12:00:00.000Z",
  direction: "IN",
  smdrCallId: "2026030912000000000042",
  trunk: "92108",
  extension: "1843",
  callerNumber: "07968543537",
  contactName: null,
  ddi: "441615550123",
  accountCode: null,
  answered: false,
  connections: [
    { device: "92108", kind: "trunk", state: "connected", since: "2026-03-09T12:00:00.000Z" },
    { device: "1843", kind: "extension", state: "alerting", since: "2026-03-09T12:00:00.000Z" },
  ],
};

Deno.test("the live list shows an inbound call from the caller (or the PBX's name for it) to the extension", () => {
  assert.deepEqual(liveCallSummary(base), {
    id: "2026030912000000000042",
    state: "alerting",
    from: "07968543537",
    to: "1843",
    startedAt: "2026-03-09T12:00:00.000Z",
    lines: ["92108", "1843"],
    direction: "incoming",
  });
  assert.equal(liveCallSummary({ ...base, contactName: "CHRIS R MOBILE" }).from, "CHRIS R MOBILE");
});

Deno.test("the live list shows an outbound call from the extension, an internal call between its parties", () => {
  const out = liveCallSummary({ ...base, direction: "OUT", callerNumber: "0301234567" });
  assert.deepEqual([out.from, out.to, out.direction], ["1843", "0301234567", "outgoing"]);
  const internal = liveCallSummary({
    ...base,
    direction: "internal",
    smdrCallId: null,
    trunk: null,
    callerNumber: null,
    connections: [
      { device: "101", kind: "extension", state: "connected", since: base.firstSeen },
      { device: "102", kind: "extension", state: "hold", since: base.firstSeen },
    ],
    extension: "102",
  });
  assert.deepEqual([internal.id, internal.from, internal.to, internal.state], ["0011", "101", "102", "hold"]);
});

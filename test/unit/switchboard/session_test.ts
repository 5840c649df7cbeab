// A session's bookkeeping of invoke IDs in both directions: the application's requests in flight (a reuse is
// a duplicate) and cstabox's invokes that await the application's answer (bounded, oldest forgotten first).

import assert from "node:assert/strict";
import { Session } from "../../../src/switchboard/session.ts";
import { FakePort } from "./board_fixture.ts";

const session = () =>
  new Session(1, { transport: "tcp", remote: "a", seatKind: "application" }, new FakePort(), 0);

Deno.test("invokes awaiting the application's answer are taken once; event IDs are never awaited", () => {
  const s = session();
  const status = s.nextInvokeId();
  const event = s.nextEventInvokeId();
  assert.deepEqual([status, event], [1, 2]);
  assert.equal(s.takeOutstanding(event), false);
  assert.equal(s.takeOutstanding(status), true);
  assert.equal(s.takeOutstanding(status), false, "a second answer finds nothing outstanding");
});

Deno.test("at most 1,024 invokes are remembered as awaiting an answer: the oldest is forgotten first", () => {
  const s = session();
  for (let i = 0; i < 1025; i++) s.nextInvokeId();
  assert.equal(s.takeOutstanding(1), false);
  assert.equal(s.takeOutstanding(2), true);
  assert.equal(s.takeOutstanding(1025), true);
});

Deno.test("the application's invoke IDs in flight are known until they end, and count against the limit", () => {
  const s = session();
  assert.equal(s.beginRequest(2, 7), true);
  assert.equal(s.hasInFlight(7), true);
  assert.equal(s.beginRequest(2, 8), true);
  assert.equal(s.beginRequest(2, 9), false, "the limit");
  assert.equal(s.requestsInFlight, 2);
  s.endRequest(7);
  assert.equal(s.hasInFlight(7), false);
  assert.equal(s.requestsInFlight, 1);
});

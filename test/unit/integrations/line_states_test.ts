import assert from "node:assert/strict";
import { callEventSchema } from "../../../src/calls/call_event.ts";
import { CallModel } from "../../../src/calls/call_model.ts";
import { LineStates } from "../../../src/integrations/line_states.ts";
import { dev, events as e, seedLines, tableDirectory } from "../calls/csta_events.ts";

const T0 = Date.UTC(2026, 11, 7, 3, 0, 0);
const at = (second: number) => new Date(T0 + second * 1000);

Deno.test("an internal call gives each line its call events and line states, valid under the line API's schema", () => {
  const model = new CallModel({ directory: tableDirectory() });
  const lines = new LineStates((n) => n in seedLines);
  const step = (second: number, ...events: [ReturnType<typeof e.originated>, string][]) => {
    for (const [event, observer] of events) model.apply(event, at(second), observer);
    return lines.update(model.calls(), at(second));
  };
  const dialled = step(0, [e.serviceInitiated(7, "1843"), "1843"], [
    e.originated(7, "1843", dev("2560")),
    "1843",
  ]);
  assert.deepEqual(dialled.events.map((x) => [x.line, x.previousState, x.state]), [[
    "1843",
    "idle",
    "connected",
  ]]);
  const rings = step(1, [e.delivered(7, "2560", dev("1843"), dev("2560")), "2560"]);
  assert.deepEqual(rings.events.map((x) => [x.line, x.previousState, x.state]), [
    ["1843", "connected", "ringback"],
    ["2560", "idle", "offering"],
  ]);
  const ringing = rings.lines.find((l) => l.line === "2560")!;
  assert.equal(ringing.state, "ringing");
  assert.equal(ringing.otherParty?.number, "1843");
  const offering = rings.events[1];
  assert.equal(offering.direction, "incoming");
  assert.equal(offering.parties.caller?.number, "1843");
  assert.equal(offering.origin, "internal");
  const talk = step(2, [e.established(7, "2560", dev("1843"), dev("2560")), "2560"]);
  assert.deepEqual(talk.events.map((x) => x.state), ["connected", "connected"]);
  assert.deepEqual(talk.lines.map((l) => [l.line, l.state]), [["1843", "connected"], ["2560", "connected"]]);
  const end = step(9, [e.connectionCleared(7, "2560"), "2560"], [e.callCleared(7, "1843"), "1843"]);
  assert.deepEqual(end.events.map((x) => [x.line, x.state]), [
    ["1843", "disconnected"],
    ["1843", "idle"],
    ["2560", "disconnected"],
    ["2560", "idle"],
  ]);
  assert.deepEqual(end.lines.map((l) => [l.line, l.state, l.callId]), [["1843", "idle", null], [
    "2560",
    "idle",
    null,
  ]]);
  for (const event of [...dialled.events, ...rings.events, ...talk.events, ...end.events]) {
    callEventSchema.parse(event);
  }
});

Deno.test("a held call puts the line on hold; an unchanged view reports nothing", () => {
  const model = new CallModel({ directory: tableDirectory() });
  const lines = new LineStates((n) => n in seedLines);
  model.apply(e.serviceInitiated(8, "1843"), at(0), "1843");
  model.apply(e.originated(8, "1843", dev("2560")), at(0), "1843");
  model.apply(e.established(8, "2560", dev("1843"), dev("2560")), at(1), "2560");
  lines.update(model.calls(), at(1));
  model.apply(e.held(8, "1843"), at(2), "1843");
  const held = lines.update(model.calls(), at(2));
  assert.deepEqual(held.lines.map((l) => [l.line, l.state]), [["1843", "onHold"]]);
  assert.deepEqual(lines.update(model.calls(), at(3)), { events: [], lines: [] });
});

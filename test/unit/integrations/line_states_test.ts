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

/** 1000 internal calls ringing between 2000 extension lines, and a formatter that counts its calls. */
function thousandCalls() {
  const table: Record<string, "extension"> = {};
  for (let n = 3000; n < 5000; n++) table[String(n)] = "extension";
  const model = new CallModel({ directory: tableDirectory(table) });
  let formatted = 0;
  const lines = new LineStates(
    (n) => n in table,
    (p) => (formatted++, { number: p.number, canonical: p.number }),
  );
  for (let i = 0; i < 1000; i++) {
    const [a, b] = [String(3000 + 2 * i), String(3001 + 2 * i)];
    model.apply(e.serviceInitiated(i + 1, a), at(0), a);
    model.apply(e.originated(i + 1, a, dev(b)), at(0), a);
    model.apply(e.delivered(i + 1, b, dev(a), dev(b)), at(0), b);
  }
  model.takeTouched();
  return { model, lines, formatted: () => formatted };
}

Deno.test("each party of a call is formatted once per call, however often the view is read", () => {
  const rig = thousandCalls();
  const first = rig.lines.update(rig.model.calls(), at(0));
  assert.equal(first.events.length, 2000, "ringback and offering for every call");
  const once = rig.formatted();
  assert.ok(once <= 4000, `two parties per line at most (${once})`);
  for (let i = 1; i <= 5; i++) rig.lines.update(rig.model.calls(), at(i));
  assert.equal(rig.formatted(), once, "reading the same calls again formats nothing");
});

Deno.test("a change of one call among 1000 reads and formats that call only", () => {
  const rig = thousandCalls();
  rig.lines.update(rig.model.calls(), at(0));
  const before = rig.formatted();
  rig.model.apply(e.established(7, "3013", dev("3012"), dev("3013")), at(1), "3013");
  const touched = rig.model.takeTouched();
  assert.deepEqual(touched, [callIdHex(7)], "the model names the one call the event was about");
  const views = (touched as string[]).map((key) => rig.model.view(key)!);
  const changed = rig.lines.change(views, [], at(1));
  assert.deepEqual(changed.events.map((x) => [x.line, x.previousState, x.state]), [
    ["3012", "ringback", "connected"],
    ["3013", "offering", "connected"],
  ]);
  assert.deepEqual(changed.lines.map((l) => [l.line, l.state]), [["3012", "connected"], [
    "3013",
    "connected",
  ]]);
  assert.equal(rig.formatted(), before, "the call's parties were formatted before");
  rig.model.apply(e.callCleared(7, "3012"), at(2), "3012");
  const gone = rig.model.takeTouched() as string[];
  assert.equal(rig.model.view(gone[0]), undefined);
  const ended = rig.lines.change([], gone, at(2));
  assert.deepEqual(ended.events.map((x) => [x.line, x.state]), [
    ["3012", "disconnected"],
    ["3012", "idle"],
    ["3013", "disconnected"],
    ["3013", "idle"],
  ]);
  assert.deepEqual(
    rig.lines.update(rig.model.calls(), at(3)),
    { events: [], lines: [] },
    "in step with the view",
  );
});

Deno.test("after a re-sync the model says every call may have changed", () => {
  const rig = thousandCalls();
  rig.model.snapshotsStarted(at(5));
  rig.model.reconcile([], at(6), { unsure: new Set() });
  assert.equal(rig.model.takeTouched(), "all");
  assert.deepEqual(rig.model.takeTouched(), [], "taken once");
});

function callIdHex(n: number): string {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff).toHex();
}

import assert from "node:assert/strict";
import type { EngineFact } from "../../../src/sim/call_facts.ts";
import { TrafficGenerator } from "../../../src/sim/traffic.ts";
import { engineHarness } from "./engine_harness.ts";
import { checkStructure, watchInvariants } from "./engine_invariants.ts";

function tenMinutes(seed: number) {
  const h = engineHarness({ extensions: "101-140", trunks: 6 });
  const { errors } = watchInvariants(h.engine);
  const traffic = new TrafficGenerator(h.engine, h.clock, { callsPerMinute: 60, seed, talkMeanMs: 20_000 });
  traffic.start();
  for (let s = 0; s < 600; s++) h.clock.advance(1000);
  traffic.stop();
  return { h, traffic, errors };
}

const typesOf = (facts: EngineFact[]) => facts.flatMap((f) => f.kind === "event" ? [f.event.type] : []);

Deno.test("random traffic mixes internal, inbound and outbound calls with holds, transfers and queueing", () => {
  const { h, traffic, errors } = tenMinutes(7);
  assert.deepEqual(errors, [], "no event names a connection that does not exist");
  checkStructure(h.engine);
  const types = new Set(typesOf(h.facts));
  for (
    const type of [
      "originated",
      "delivered",
      "established",
      "networkReached",
      "held",
      "retrieved",
      "transferred",
      "queued",
      "failed",
      "callCleared",
    ]
  ) {
    assert.ok(types.has(type as never), `traffic produced ${type}`);
  }
  const records = h.facts.flatMap((f) => f.kind === "callEnded" ? [f.record.direction] : []);
  assert.deepEqual(new Set(records), new Set(["internal", "incoming", "outgoing"]));
  assert.ok(traffic.stats.started > 400 && traffic.stats.started <= traffic.stats.offered);
  assert.ok(
    traffic.stats.offered > 500 && traffic.stats.offered < 700,
    `about 600 calls offered, got ${traffic.stats.offered}`,
  );
});

Deno.test("the same seed gives the same traffic, another seed different traffic", () => {
  const a = typesOf(tenMinutes(3).h.facts);
  const b = typesOf(tenMinutes(3).h.facts);
  const c = typesOf(tenMinutes(4).h.facts);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("stopping the traffic leaves no pending decision: time passing changes nothing", () => {
  const { h } = tenMinutes(5);
  const count = h.facts.length;
  h.clock.advance(3_600_000);
  const afterStop = h.facts.slice(count).filter((f) =>
    f.kind === "event" && f.event.type !== "diverted" && f.event.type !== "delivered"
  );
  assert.equal(afterStop.length, 0, "only engine timers (no-answer forwarding) may still act");
});

Deno.test("a non-positive call rate is refused", () => {
  const h = engineHarness({});
  assert.throws(() => new TrafficGenerator(h.engine, h.clock, { callsPerMinute: 0 }), RangeError);
});

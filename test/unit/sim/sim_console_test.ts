import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { runConsoleCommand } from "../../../src/sim/sim_console.ts";
import { SimulatorService } from "../../../src/sim/sim_service.ts";

Deno.test("console commands switch faults and traffic of a simulator that is not even listening", () => {
  const sim = new SimulatorService({ clock: new ManualClock(), plan: { extensions: "101-110", trunks: 1 } });
  assert.equal(runConsoleCommand(sim, "hang"), "not answering");
  assert.equal(sim.faults.stopAnswering, true);
  assert.equal(runConsoleCommand(sim, "slow 250"), "answering 250 ms late");
  assert.equal(sim.faults.answerDelayMs, 250);
  assert.equal(runConsoleCommand(sim, "resume"), "answering normally");
  assert.deepEqual(sim.faults.describe(), { stopAnswering: false, answerDelayMs: 0 });
  assert.match(runConsoleCommand(sim, "slow -1"), /^usage/);
  assert.equal(runConsoleCommand(sim, "traffic 30"), "traffic at 30 calls per minute");
  assert.equal(sim.traffic?.running, true);
  assert.equal(runConsoleCommand(sim, "traffic off"), "traffic off");
  assert.equal(sim.traffic, undefined);
  assert.equal(runConsoleCommand(sim, "scenario internal-call"), "scenario internal-call started");
  assert.equal(sim.engine.callCount, 1);
  assert.match(runConsoleCommand(sim, "frobnicate"), /unknown command "frobnicate"/);
});

/** Calls started in 60 s of simulated time at 600 a minute on 20 extensions, after the console `lines`. */
function callsStartedAfter(...lines: string[]): { started: number; blocked: number; replies: string[] } {
  const clock = new ManualClock();
  const sim = new SimulatorService({ clock, plan: { extensions: "101-120", trunks: 4 } });
  const replies = lines.map((line) => runConsoleCommand(sim, line));
  for (let s = 0; s < 60; s++) clock.advance(1000);
  const { started, blocked } = sim.traffic!.stats;
  sim.stopTraffic();
  return { started, blocked, replies };
}

Deno.test("console `talk S` shortens the calls of random traffic, so the same lines carry more of them", () => {
  const long = callsStartedAfter("traffic 600");
  const short = callsStartedAfter("talk 0.5", "traffic 600");
  assert.deepEqual(short.replies, ["talk time 0.5 s on average", "traffic at 600 calls per minute"]);
  // 30 s calls on 20 extensions and 4 CO lines block most of 600 a minute; half-second calls far fewer.
  assert.ok(short.started > 2 * long.started, `short ${short.started}, long ${long.started}`);
  assert.ok(short.blocked < long.blocked, `blocked: short ${short.blocked}, long ${long.blocked}`);
  // Set while traffic runs, it applies to calls answered from then on.
  const later = callsStartedAfter("traffic 600", "talk 0.5");
  assert.ok(later.started > 2 * long.started, `later ${later.started}, long ${long.started}`);
  // Given as a profile (`deno task sim --talk-time 0.5` without --traffic), it shapes the console's traffic.
  const clock = new ManualClock();
  const profiled = new SimulatorService({
    clock,
    plan: { extensions: "101-120", trunks: 4 },
    trafficProfile: { talkMeanMs: 500 },
  });
  runConsoleCommand(profiled, "traffic 600");
  for (let s = 0; s < 60; s++) clock.advance(1000);
  assert.equal(profiled.traffic!.stats.started, short.started);
  profiled.stopTraffic();
  assert.match(runConsoleCommand(new SimulatorService({ clock: new ManualClock() }), "talk 0"), /^usage/);
});

Deno.test("console `events` lists the EventReports sent per monitored device (none without an association)", () => {
  const sim = new SimulatorService({ clock: new ManualClock(), plan: { extensions: "101-110", trunks: 1 } });
  assert.equal(runConsoleCommand(sim, "events"), "events {}");
});

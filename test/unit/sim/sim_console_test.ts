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

// Issue 9 acceptance, golden test: the simulator plays the seed's four example calls against the real
// PbxLink, Switchboard, CallTracker and SMDR service; a local collector reads the records off the socket.

import assert from "node:assert/strict";
import type { ScenarioStep } from "../../../src/sim/scenario.ts";
import { RECORD_LENGTH } from "../../../src/smdr/record.ts";
import { collapseSpaces, seedScenarios } from "../../unit/smdr/seed_scenarios.ts";
import { seedMismatches } from "../../unit/calls/seed_match.ts";
import { connectCollector } from "../smdr/collectors.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { CLI, DDI, OUTSIDE_LINE, type TrackerRig, trackerRig } from "./tracker_rig.ts";

const incoming: ScenarioStep = { incoming: { cli: CLI, ddi: DDI, trunk: "92108" } };
const pause: ScenarioStep = { wait: 150 };

/**
 * The PBX names the caller once the call is answered: a CallInformation event whose callingDevice carries
 * the CLI with the name (the seed's CALLMODIFIED). The name equals the contact's, so the printed fields stay
 * those of the other lines, as the seed shows them; an account code would print in the account field.
 */
const named: ScenarioStep = { callerName: { device: "1843", name: "CHRIS R MOBILE" } };

/** One seed call as simulator steps. */
interface Played {
  scenario: number;
  steps: ScenarioStep[];
}

const calls: Played[] = [
  {
    scenario: 0,
    steps: [incoming, pause, { answer: "1843" }, named, pause, { remoteHangUp: "92108" }],
  },
  {
    scenario: 1,
    steps: [
      { call: { from: "1843", to: OUTSIDE_LINE + CLI } },
      pause,
      { remoteAlert: "92808" },
      pause,
      { remoteAnswer: "92808" },
      pause,
      { hangUp: "1843" },
    ],
  },
  {
    scenario: 2,
    steps: [
      incoming,
      pause,
      { answer: "1843" },
      named,
      pause,
      { hold: "1843" },
      pause,
      { retrieve: "1843" },
      pause,
      { remoteHangUp: "92108" },
    ],
  },
  {
    scenario: 3,
    steps: [
      incoming,
      pause,
      { answer: "1843" },
      pause,
      // Consultation to 2560, transferred while 2560 rings, answered there.
      { consult: { device: "1843", to: "2560" } },
      pause,
      { transfer: "1843" },
      { answer: "2560" },
      pause,
      { remoteHangUp: "92108" },
    ],
  },
];

async function play(rig: TrackerRig, steps: ScenarioStep[]): Promise<void> {
  const run = rig.simulator.runScenario({ name: "seed", steps });
  await run.finished;
  assert.deepEqual(run.failures, []);
}

Deno.test("the simulator plays the seed's four calls; the records equal the seed's lines except date, time and call ID, each 162 characters and CR LF", async () => {
  const rig = await trackerRig();
  const collector = await connectCollector(rig.smdrPort);
  let bytes = 0;
  try {
    rig.smdr.contacts.importEntries([{ number: CLI, name: "CHRIS R MOBILE" }]);
    rig.smdr.ddiNames.importEntries([{ number: DDI, name: "CHRIS DID" }]);
    await waitUntil(() => rig.tracker.status().details?.monitoredLines === 5, 5000, () => "monitors started");
    for (const call of calls) {
      const expected = seedScenarios[call.scenario].expectedLines;
      const first = rig.records.length;
      await play(rig, call.steps);
      await waitUntil(
        () => rig.records.length >= first + expected.length && rig.tracker.calls().length === 0,
        5000,
        () => `${rig.records.length - first} of ${expected.length} records for scenario ${call.scenario}`,
      );
      const records = rig.records.slice(first);
      assert.deepEqual(seedMismatches(records, expected), [], seedScenarios[call.scenario].name);
    }
    const total = calls.reduce((n, c) => n + seedScenarios[c.scenario].expectedLines.length, 0);
    await collector.waitFor(total, 5000);
    assert.deepEqual(collector.lines, rig.records, "the collector got every stored record, in order");
    for (const line of collector.lines) assert.equal(line.length, RECORD_LENGTH);
    bytes = collector.lines.reduce((n, line) => n + line.length + 2, 0);
    assert.equal(bytes, total * (RECORD_LENGTH + 2), "each record is 162 characters plus CR LF on the wire");
    const lines = collector.lines.map(collapseSpaces);
    assert.ok(lines.every((line) => line.includes(" 0092108 ") || line.includes(" 0092808 ")));
  } finally {
    collector.close();
    await rig.close();
  }
});

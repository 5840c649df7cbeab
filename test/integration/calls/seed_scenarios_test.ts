// Issue 9 acceptance, golden test: the simulator plays the seed's four example calls against the real
// PbxLink, Switchboard, CallTracker and SMDR service; a local collector reads the records off the socket.

import assert from "node:assert/strict";
import type { ScenarioStep } from "../../../src/sim/scenario.ts";
import { RECORD_LENGTH } from "../../../src/smdr/record.ts";
import { collapseSpaces, seedScenarios } from "../../unit/smdr/seed_scenarios.ts";
import { seedMismatches } from "../../unit/calls/seed_match.ts";
import { connectCollector } from "../smdr/collectors.ts";
import { CLI, DDI, OUTSIDE_LINE, type TrackerRig, trackerRig, waitUntil } from "./tracker_rig.ts";

const incoming: ScenarioStep = { incoming: { cli: CLI, ddi: DDI, trunk: "92108" } };
const pause: ScenarioStep = { wait: 150 };

/** One seed call: the steps before the PBX reports new caller details, and the steps after. */
interface Played {
  scenario: number;
  before: ScenarioStep[];
  /** Whether the PBX names the caller after the answer (the seed's CALLMODIFIED), see the note below. */
  modified: boolean;
  after: ScenarioStep[];
}

const calls: Played[] = [
  {
    scenario: 0,
    before: [incoming, pause, { answer: "1843" }],
    modified: true,
    after: [pause, { remoteHangUp: "92108" }],
  },
  {
    scenario: 1,
    before: [
      { call: { from: "1843", to: OUTSIDE_LINE + CLI } },
      pause,
      { remoteAlert: "92808" },
      pause,
      { remoteAnswer: "92808" },
      pause,
      { hangUp: "1843" },
    ],
    modified: false,
    after: [],
  },
  {
    scenario: 2,
    before: [incoming, pause, { answer: "1843" }],
    modified: true,
    after: [pause, { hold: "1843" }, pause, { retrieve: "1843" }, pause, { remoteHangUp: "92108" }],
  },
  {
    scenario: 3,
    before: [
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
    modified: false,
    after: [],
  },
];

async function play(rig: TrackerRig, steps: ScenarioStep[]): Promise<void> {
  if (steps.length === 0) return;
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
      await play(rig, call.before);
      if (call.modified) {
        await waitUntil(() => rig.records.length > first + 1, 5000, () => "ANSWERED recorded");
        // The simulator sends no CallInformation yet: the frame a PBX sends when it names the caller is
        // put into the Switchboard on the PBX side, exactly where the simulator's frames arrive.
        rig.injectCallInformation("1843", "CHRIS R MOBILE");
        await waitUntil(() => rig.records.length > first + 2, 5000, () => "CALLMODIFIED recorded");
      }
      await play(rig, call.after);
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

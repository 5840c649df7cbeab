// The soak harness's own arithmetic and bytes: the sequence comparison that counts lost events, the RSS
// slope, and the hand-built frames checked against PROTOCOL.md §14's examples.

import assert from "node:assert/strict";
import { compareSequences, slope } from "../../../scripts/soak/figures.ts";
import {
  AARQ_FRAME,
  Frames,
  monitorStartFrame,
  systemStatusAnswerFrame,
} from "../../../scripts/soak/raw_csta.ts";
import { exampleFrame, protocolExample } from "../../fixtures/protocol_examples.ts";

const app = (events: Record<string, string[]>) => ({ events: new Map(Object.entries(events)) });

Deno.test("soak compareSequences: identical sequences lose nothing", () => {
  const result = compareSequences([app({ "101": ["a", "b", "c"] }), app({ "101": ["a", "b", "c"] })]);
  assert.deepEqual(result, { devices: 1, reference: 3, lost: 0, unexpected: 0 });
});

Deno.test("soak compareSequences: a missing event counts as lost, a foreign or reordered one as unexpected", () => {
  const missing = compareSequences([app({ "101": ["a", "b", "c"] }), app({ "101": ["a", "c"] })]);
  assert.equal(missing.lost, 1);
  assert.equal(missing.unexpected, 0);
  const reordered = compareSequences([app({ "101": ["a", "b", "c"] }), app({ "101": ["a", "c", "b"] })]);
  assert.equal(reordered.lost, 1);
  assert.equal(reordered.unexpected, 1);
  const noDevice = compareSequences([app({ "101": ["a"], "102": ["x"] }), app({ "101": ["a"] })]);
  assert.equal(noDevice.lost, 1);
});

Deno.test("soak slope: least squares of a straight line, NaN for a single point", () => {
  assert.equal(slope([0, 1, 2, 3], [10, 12, 14, 16]), 2);
  assert.ok(Number.isNaN(slope([1], [1])));
});

Deno.test("soak frames: the hand-built AARQ, MonitorStart and SystemStatus answer are PROTOCOL.md §14's bytes", () => {
  assert.deepEqual(AARQ_FRAME, exampleFrame(protocolExample("AARQ Panasonic form")));
  assert.deepEqual(
    monitorStartFrame(1, "201"),
    exampleFrame(protocolExample("MonitorStart device 201 without filter")),
  );
  assert.deepEqual(
    systemStatusAnswerFrame(Uint8Array.of(1)),
    exampleFrame(protocolExample("SystemStatus answer")),
  );
});

Deno.test("soak Frames: reassembles frames split across reads and stops at a zero length", () => {
  const frames = new Frames();
  const got: number[][] = [];
  assert.ok(frames.push(Uint8Array.of(0, 2, 9), (a) => got.push([...a])));
  assert.ok(frames.push(Uint8Array.of(8, 0, 1, 7), (a) => got.push([...a])));
  assert.deepEqual(got, [[9, 8], [7]]);
  assert.equal(frames.push(Uint8Array.of(0, 0), () => {}), false);
});

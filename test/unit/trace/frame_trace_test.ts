// The trace's switch, selection, frame cap and time limit, on a manual clock.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { FrameTrace } from "../../../src/trace/frame_trace.ts";

const SYSTEM_STATUS_RESULT = Uint8Array.of(
  0xa2,
  0x0b,
  0x02,
  0x01,
  0x01,
  0x30,
  0x06,
  0x02,
  0x01,
  0x71,
  0x05,
  0x00,
);

Deno.test("a trace stops by itself when its time is up, and refuses more than trace.maxMinutes", () => {
  const clock = new ManualClock();
  const trace = new FrameTrace(clock, () => ({ maxMinutes: 2, maxFrames: 100 }));
  assert.throws(() => trace.start({ seconds: 121, pbx: true, applications: "all" }), RangeError);
  trace.start({ seconds: 60, pbx: true, applications: "all" });
  trace.active!.pbx("in", SYSTEM_STATUS_RESULT);
  clock.advance(60_000);
  assert.equal(trace.active, null);
  assert.equal(trace.status().stoppedBecause, "its time was up");
  assert.equal(trace.status().frames, 1);
});

Deno.test("only the chosen applications are recorded, and only from their association on", () => {
  const trace = new FrameTrace(new ManualClock(), () => ({ maxMinutes: 60, maxFrames: 100 }));
  const r = trace.start({ seconds: 60, pbx: false, applications: [7] });
  r.pbx("in", SYSTEM_STATUS_RESULT);
  r.application("in", "10.0.0.1:1", undefined, SYSTEM_STATUS_RESULT);
  r.application("in", "10.0.0.2:2", 8, SYSTEM_STATUS_RESULT);
  r.application("out", "10.0.0.3:3", 7, SYSTEM_STATUS_RESULT);
  assert.deepEqual(r.frames().map((f) => f.connection), ["application 7 (10.0.0.3:3)"]);
});

Deno.test("a full trace keeps the newest maxFrames and counts the dropped ones", () => {
  const trace = new FrameTrace(new ManualClock(), () => ({ maxMinutes: 60, maxFrames: 100 }));
  const r = trace.start({ seconds: 60, pbx: true, applications: "none" });
  for (let i = 0; i < 250; i++) r.pbx("in", SYSTEM_STATUS_RESULT);
  const frames = r.frames();
  assert.equal(frames.length, 100);
  assert.equal(frames.at(-1)!.seq, 250);
  assert.equal(frames[0].seq, 151);
  assert.ok(r.dropped >= 112);
  assert.deepEqual(r.frames(240).map((f) => f.seq), [241, 242, 243, 244, 245, 246, 247, 248, 249, 250]);
  assert.deepEqual(r.frames(240, 3).map((f) => f.seq), [248, 249, 250]);
  assert.deepEqual(r.frames(10, 2).map((f) => f.seq), [249, 250]);
  assert.equal(r.frames(250).length, 0);
});

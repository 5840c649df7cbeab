import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { QueuedWriter } from "../../../src/net/queued_writer.ts";
import { WriteWindow } from "../../../src/net/write_window.ts";

Deno.test("writers that join an open window all flush when it closes, on one timer", () => {
  const clock = new ManualClock();
  const window = new WriteWindow(10, clock);
  const flushed: string[] = [];
  window.schedule(() => flushed.push("a"));
  clock.advance(4);
  window.schedule(() => flushed.push("b"));
  assert.equal(clock.pendingTimers, 1, "one timer for both");
  clock.advance(5);
  assert.equal(flushed.length, 0);
  clock.advance(1);
  assert.deepEqual(flushed, ["a", "b"]);
  assert.equal(window.waiting, 0);
  window.schedule(() => flushed.push("c")); // a new window opens
  clock.advance(10);
  assert.deepEqual(flushed, ["a", "b", "c"]);
});

Deno.test("a write window of zero or less is refused at setup", () => {
  assert.throws(() => new WriteWindow(0), RangeError);
  assert.throws(() => new WriteWindow(Number.NaN), RangeError);
});

Deno.test("with a window, frames queued over several turns leave in one write when it closes", async () => {
  const clock = new ManualClock();
  const written: number[][] = [];
  const sink = { write: (bytes: Uint8Array) => (written.push([...bytes]), Promise.resolve(bytes.length)) };
  const window = new WriteWindow(5, clock);
  const options = { maxQueuedBytes: 100, drainTimeoutMs: 1000, onFailure: () => {}, window, clock };
  const first = new QueuedWriter(sink, options);
  const second = new QueuedWriter(sink, options);
  first.enqueue(Uint8Array.of(1));
  await new Promise((r) => setTimeout(r, 0));
  first.enqueue(Uint8Array.of(2));
  second.enqueue(Uint8Array.of(9));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(written, [], "nothing leaves while the window is open");
  clock.advance(5);
  await first.drained();
  await second.drained();
  assert.deepEqual(written, [[1, 2], [9]]);
});

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { RateHistory } from "../../../src/http/live/rate_history.ts";
import { formatDuration } from "../../../src/http/pages/format.ts";

Deno.test("the rate history keeps the newest points only and skips a failing source", () => {
  const clock = new ManualClock(0);
  let n = 0;
  const history = new RateHistory({
    sample: () => {
      if (n === 2) {
        n++;
        throw new Error("store down");
      }
      return { eventsIn: n++, eventsOut: 0 };
    },
    keep: 3,
    clock,
  });
  for (let i = 0; i < 6; i++) {
    clock.advance(5000);
    history.sampleNow();
  }
  assert.deepEqual(history.points().map((p) => [p.at, p.eventsIn]), [[20000, 3], [25000, 4], [30000, 5]]);
});

Deno.test("durations read as their two largest units", () => {
  assert.equal(formatDuration(0), "0 s");
  assert.equal(formatDuration(59_000), "59 s");
  assert.equal(formatDuration(61_000), "1 min 1 s");
  assert.equal(formatDuration(3 * 86_400_000 + 3_600_000 + 60_000), "3 d 1 h");
  assert.equal(formatDuration(2 * 86_400_000 + 120_000), "2 d", "a zero second unit is left out");
  assert.equal(formatDuration(-1), "–");
});

Deno.test("the history samples while a holder runs and stops with the last one", () => {
  const history = new RateHistory({ sample: () => ({ eventsIn: 1, eventsOut: 1 }), intervalMs: 60_000 });
  const http = new AbortController();
  const https = new AbortController();
  history.hold(http.signal);
  history.hold(https.signal);
  http.abort();
  assert.equal(history.running, true, "https still runs");
  https.abort();
  assert.equal(history.running, false);
  history.hold(AbortSignal.abort());
  assert.equal(history.running, false, "an aborted signal holds nothing");
});

Deno.test("while held, the history samples at once and then once per interval on its clock, and leaves no timer", () => {
  const clock = new ManualClock(0);
  const history = new RateHistory({ sample: () => ({ eventsIn: 2, eventsOut: 4 }), clock });
  const server = new AbortController();
  history.hold(server.signal);
  clock.advance(4_999);
  assert.deepEqual(history.points().map((p) => p.at), [0]);
  clock.advance(1);
  clock.advance(5_000);
  assert.deepEqual(history.points().map((p) => p.at), [0, 5_000, 10_000]);
  server.abort();
  assert.equal(clock.pendingTimers, 0);
  clock.advance(60_000);
  assert.equal(history.points().length, 3);
});

import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { Deadlines } from "../../src/deadlines.ts";

function watched() {
  const clock = new ManualClock();
  const expired: string[] = [];
  const deadlines = new Deadlines<string>(clock, (key) => expired.push(key));
  return { clock, expired, deadlines };
}

Deno.test("a key not removed in time expires at its own deadline, in deadline order", () => {
  const { clock, expired, deadlines } = watched();
  deadlines.add("slow", 300);
  deadlines.add("fast", 100);
  deadlines.add("answered", 200);
  deadlines.remove("answered");
  clock.advance(99);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ["fast"]);
  clock.advance(200);
  assert.deepEqual(expired, ["fast", "slow"]);
  assert.equal(deadlines.size, 0);
  assert.equal(clock.pendingTimers, 0, "nothing left to wait for: no timer");
});

Deno.test("many keys added and removed share one timer, set once", () => {
  const { clock, expired, deadlines } = watched();
  const setTimer = clock.setTimeout.bind(clock);
  let timersSet = 0;
  clock.setTimeout = (fn, ms) => (timersSet++, setTimer(fn, ms));
  for (let id = 0; id < 1000; id++) {
    deadlines.add(String(id), 10_000);
    deadlines.remove(String(id));
  }
  assert.equal(timersSet, 1);
  clock.advance(10_000);
  assert.deepEqual(expired, []);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("a later key arms the timer again when the earlier ones were answered", () => {
  const { clock, expired, deadlines } = watched();
  deadlines.add("first", 1000);
  clock.advance(500);
  deadlines.add("second", 1000); // due at 1500
  deadlines.remove("first");
  clock.advance(999);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ["second"]);
});

Deno.test("a key added again gets its new deadline; clear forgets everything without expiring", () => {
  const { clock, expired, deadlines } = watched();
  deadlines.add("again", 100);
  deadlines.add("again", 500);
  clock.advance(100);
  assert.deepEqual(expired, []);
  deadlines.add("other", 50);
  deadlines.clear();
  clock.advance(1000);
  assert.deepEqual(expired, []);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("deadlines follow the monotonic clock, so setting the wall clock neither expires nor delays them", () => {
  const expired: string[] = [];
  let monotonic = 0;
  let wall = Date.UTC(2026, 0, 1);
  const timers: { at: number; fn: () => void }[] = [];
  const clock = {
    now: () => wall,
    monotonic: () => monotonic,
    setTimeout: (fn: () => void, ms: number) => timers.push({ at: monotonic + ms, fn }),
    clearTimeout: () => {},
  };
  const deadlines = new Deadlines<string>(clock, (key) => expired.push(key));
  deadlines.add("request", 10_000);
  wall -= 3_600_000; // NTP sets the clock an hour back
  monotonic = 10_000;
  timers.shift()!.fn();
  assert.deepEqual(expired, ["request"]);
});

import assert from "node:assert/strict";
import { ManualClock, withinTime } from "../../src/clock.ts";

Deno.test("withinTime rejects with the given error once its time passes on the clock, and not before", async () => {
  const clock = new ManualClock(0);
  let outcome = "pending";
  const work = new Promise<string>(() => {});
  const bounded = withinTime(clock, work, 5_000, () => new RangeError("step timed out")).then(
    () => outcome = "resolved",
    (error) => outcome = `${error.name}: ${error.message}`,
  );
  clock.advance(4_999);
  await Promise.resolve();
  assert.equal(outcome, "pending");
  clock.advance(1);
  await bounded;
  assert.equal(outcome, "RangeError: step timed out");
});

Deno.test("withinTime gives the work's value and clears its timer", async () => {
  const clock = new ManualClock(0);
  assert.equal(await withinTime(clock, Promise.resolve(7), 1_000), 7);
  assert.equal(clock.pendingTimers, 0);
});

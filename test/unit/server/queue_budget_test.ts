import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { QUEUE_BUDGET_SWEEP_MS, QueueBudget } from "../../../src/server/queue_budget.ts";

Deno.test("the queue budget is checked every sweep with the budget of that moment, and not after stop", () => {
  const clock = new ManualClock();
  let budget = 1000;
  const shed: number[] = [];
  const sweep = new QueueBudget({ clock, budget: () => budget, shed: (b) => shed.push(b) });
  sweep.start();
  clock.advance(QUEUE_BUDGET_SWEEP_MS - 1);
  assert.deepEqual(shed, []);
  clock.advance(1);
  assert.deepEqual(shed, [1000]);
  budget = 2000;
  clock.advance(QUEUE_BUDGET_SWEEP_MS * 2);
  assert.deepEqual(shed, [1000, 2000, 2000]);
  sweep.stop();
  clock.advance(QUEUE_BUDGET_SWEEP_MS * 4);
  assert.deepEqual(shed, [1000, 2000, 2000]);
  assert.equal(clock.pendingTimers, 0);
});

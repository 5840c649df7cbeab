import assert from "node:assert/strict";
import { DAY_MS, trialState } from "../../../src/licensing/trial.ts";

Deno.test("the trial lasts 45 days; a started day counts as a day left", () => {
  const start = Date.UTC(2026, 0, 1, 9);
  assert.deepEqual(trialState(start, start), {
    startedAt: start,
    endsAt: start + 45 * DAY_MS,
    ended: false,
    daysLeft: 45,
  });
  assert.equal(trialState(start, start + 1).daysLeft, 45);
  assert.equal(trialState(start, start + DAY_MS).daysLeft, 44);
  assert.equal(trialState(start, start + 45 * DAY_MS - 1).daysLeft, 1);
  assert.deepEqual(trialState(start, start + 45 * DAY_MS).ended, true);
  assert.equal(trialState(start, start + 45 * DAY_MS).daysLeft, 0);
});

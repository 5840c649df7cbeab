import assert from "node:assert/strict";
import { BUILTIN_SCENARIOS, parseScenario, runScenario, ScenarioError } from "../../../src/sim/scenario.ts";
import { engineHarness } from "./engine_harness.ts";

Deno.test("the built-in scenarios run to their end on the default plan and leave no call behind", () => {
  for (const scenario of Object.values(BUILTIN_SCENARIOS)) {
    const h = engineHarness({});
    const run = runScenario(h.engine, h.clock, scenario.steps);
    h.clock.advance(120_000);
    assert.deepEqual(run.failures, [], scenario.name);
    assert.equal(run.stepsDone, scenario.steps.length, scenario.name);
    assert.equal(h.engine.callCount, 0, scenario.name);
  }
});

Deno.test("the incoming-transfer scenario reports the call as the issue describes it", () => {
  const h = engineHarness({});
  runScenario(h.engine, h.clock, BUILTIN_SCENARIOS["incoming-transfer"].steps);
  h.clock.advance(3000);
  assert.deepEqual(h.linesFor("101").slice(0, 2), [
    "delivered 1:101 cause=newCall state=alerting",
    "established 1:101 cause=newCall state=connected",
  ]);
  h.clock.advance(120_000);
  assert.deepEqual(h.linesFor("102").slice(0, 2), [
    "delivered 1:102 cause=singleStepTransfer state=alerting",
    "established 1:102 cause=singleStepTransfer state=connected",
  ]);
});

Deno.test("a step that cannot be carried out is reported with its index and stops the run", () => {
  const h = engineHarness({});
  const run = runScenario(h.engine, h.clock, [{ call: { from: "101", to: "102" } }, { answer: "103" }, {
    hangUp: "101",
  }]);
  assert.deepEqual(run.failures.map((f) => [f.index, f.reason]), [[
    1,
    "103 has no connection in state alerting",
  ]]);
  assert.equal(h.engine.callCount, 1, "the hang-up after the failure did not run");
});

Deno.test("scenario files are validated and every problem names its path", () => {
  assert.throws(
    () => parseScenario({ name: "x", steps: [{ wait: -1 }, { call: { from: "1a", to: "2" } }] }),
    (error: unknown) =>
      error instanceof ScenarioError && error.issues.length >= 1 && /steps\.\d/.test(error.message),
  );
  assert.equal(
    parseScenario(JSON.parse(JSON.stringify(BUILTIN_SCENARIOS["internal-call"]))).name,
    "internal-call",
  );
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { ManualClock } from "../../../src/clock.ts";
import { CallEngine } from "../../../src/sim/call_engine.ts";
import { applyCommand, command, tearDown } from "../../support/engine_commands.ts";
import { checkStructure, watchInvariants } from "./engine_invariants.ts";
import { DevicePlan } from "../../../src/sim/device_plan.ts";

Deno.test("random service sequences keep calls consistent and every call ends with all connections cleared", () => {
  fc.assert(
    fc.property(fc.array(command, { minLength: 20, maxLength: 80 }), (commands) => {
      const plan = DevicePlan.build({
        extensions: "101-106",
        trunks: 2,
        pickupGroupSize: 3,
        groups: [{ number: "600", name: "G", members: ["101", "102"], queueLimit: 2 }],
      });
      const clock = new ManualClock();
      const engine = new CallEngine({ plan, clock, maxConferenceParties: 4, noAnswerMs: 7000 });
      const { errors, factLive } = watchInvariants(engine);
      for (const cmd of commands) {
        applyCommand(engine, clock, cmd);
        assert.deepEqual(errors, []);
        checkStructure(engine);
      }
      tearDown(engine, clock);
      assert.deepEqual(errors, []);
      assert.equal(engine.callCount, 0, "no call is left");
      assert.deepEqual([...factLive], [], "the events cleared every connection they reported");
      for (const device of plan.devices()) {
        assert.ok(engine.isIdle(device.number), `${device.number} is idle`);
      }
    }),
    { numRuns: 1000, seed: 20260101 },
  );
});

import assert from "node:assert/strict";
import { startRemoteParties } from "../../../src/sim/remote_parties.ts";
import { engineHarness } from "./engine_harness.ts";

Deno.test("an outside number rings after a second and answers after four", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 1 });
  const stop = startRemoteParties(h.engine, h.clock);
  const call = h.must(h.engine.makeCall("101", "0301234567"));
  const line = { callId: call.callId, device: "9001" };
  assert.equal(h.engine.stateOf(line), "initiated");
  h.clock.advance(1000);
  assert.equal(h.engine.stateOf(line), "alerting");
  h.clock.advance(3000);
  assert.equal(h.engine.stateOf(line), "connected");
  stop();
});

Deno.test("an outside caller whose call failed hangs up; stopped parties do nothing", () => {
  const h = engineHarness({ extensions: "101-110", trunks: 2 });
  const stop = startRemoteParties(h.engine, h.clock, { releaseFailedAfterMs: 2000 });
  h.must(h.engine.setDoNotDisturb("101", true));
  const line = h.must(h.engine.incomingCall({ cli: "0301234567", ddi: "5551101" }));
  assert.equal(h.engine.stateOf(line), "fail");
  h.clock.advance(2000);
  assert.equal(h.engine.stateOf(line), undefined);
  stop();
  const second = h.must(h.engine.incomingCall({ cli: "0301234567", ddi: "5551101" }));
  h.clock.advance(10_000);
  assert.equal(h.engine.stateOf(second), "fail");
});

// A PBX restart and a link loss under open lines: the lines stay open, clients hear lineState and get a
// fresh snapshot, and calls go on.

import assert from "node:assert/strict";
import { SimulatorService } from "../../../src/sim/sim_service.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { callState, lineApiRig } from "./line_api_rig.ts";

Deno.test("the PBX link drops and returns: open lines survive, a snapshot follows, the call goes on", async () => {
  const rig = await lineApiRig();
  try {
    for (const line of ["101", "102"]) {
      assert.equal((await rig.api("POST", `/lines/${line}/open`)).status, 200);
    }
    const ws = await rig.socket();
    ws.send({ subscribe: ["101", "102"] });
    await ws.next((m) => m.type === "snapshot" && m.line === "102", "snapshots");
    const made = await rig.api("POST", "/lines/101/calls", { to: "102" });
    const e = rig.sim.engine;
    assert.ok(e.answerCall(e.connectionsOf("102")[0]).ok);
    await ws.next(callState("101", "connected"), "connected");

    rig.sim.dropLink("test: link dropped");
    await ws.next(
      (m) => m.type === "lineState" && m.line === "101" && m.state === "linkDown",
      "link down",
      10_000,
    );
    const up = await ws.next(
      (m) => m.type === "lineState" && m.line === "101" && m.state === "linkUp",
      "link up",
      10_000,
    );
    const snapshot = await ws.next(
      (m) => m.type === "snapshot" && m.line === "101" && m.seq > up.seq,
      "fresh snapshot",
      10_000,
    );
    assert.deepEqual(snapshot.calls.map((c: { callId: string; state: string }) => [c.callId, c.state]), [
      [made.body.callId, "connected"],
    ]);
    assert.equal((await rig.api("GET", "/licences")).body.linesInUse, 2);

    // The call goes on under its callId.
    assert.equal((await rig.api("POST", `/calls/${made.body.callId}/hold`)).status, 204);
    await ws.next(
      (m) => callState("101", "onhold")(m) && m.callId === made.body.callId,
      "held after the outage",
    );
  } finally {
    await rig.close();
  }
});

Deno.test("the PBX restarts: open lines are monitored again, calls it lost end idle, new calls work", async () => {
  const rig = await lineApiRig();
  let restarted: SimulatorService | undefined;
  try {
    assert.equal((await rig.api("POST", "/lines/101/open")).status, 200);
    const ws = await rig.socket();
    ws.send({ subscribe: ["101"] });
    await ws.next((m) => m.type === "snapshot", "snapshot");
    const made = await rig.api("POST", "/lines/101/calls", { to: "103" });
    await ws.next(callState("101", "ringback"), "ringing");

    // The PBX goes away and comes back on the same port with no calls.
    const port = rig.sim.port;
    await rig.sim.stop();
    await ws.next((m) => m.type === "lineState" && m.state === "linkDown", "link down", 10_000);
    restarted = new SimulatorService({
      port,
      keepaliveSeconds: 0,
      remoteParties: false,
      plan: { extensions: "101-106", trunks: 2, firstTrunkNumber: "801", outsideLineCode: "0" },
    });
    await restarted.start();
    const up = await ws.next((m) => m.type === "lineState" && m.state === "linkUp", "link up", 15_000);
    const ended = await ws.next(
      (m) => callState("101", "idle")(m) && m.callId === made.body.callId,
      "lost call ends",
      10_000,
    );
    assert.equal(ended.previousState, "ringback");
    const snapshot = await ws.next(
      (m) => m.type === "snapshot" && m.line === "101" && m.seq > up.seq,
      "fresh snapshot",
      10_000,
    );
    assert.deepEqual(snapshot.calls, []);

    // The line's monitor works again in the new PBX.
    await waitUntil(() => restarted!.monitors.size > 0, 5_000, () => "monitor re-created");
    assert.ok(restarted.engine.makeCall("104", "101").ok);
    await ws.next(callState("101", "offering"), "a new call rings at the open line");
  } finally {
    await rig.close();
    await restarted?.stop();
  }
});

Deno.test("the periodic snapshot ends a call the PBX ended without telling (seed 3.1 Snapshot for active calls)", async () => {
  const rig = await lineApiRig({ overrides: { lineApi: { snapshotSeconds: 1 } } });
  try {
    assert.equal((await rig.api("POST", "/lines/101/open")).status, 200);
    const ws = await rig.socket();
    ws.send({ subscribe: ["101"] });
    await ws.next((m) => m.type === "snapshot", "snapshot");
    const e = rig.sim.engine;
    assert.ok(e.makeCall("103", "101").ok);
    const offered = await ws.next(callState("101", "offering"), "offering");
    // The PBX hangs for a moment: the call ends, and no event about it leaves the PBX.
    rig.sim.stopAnswering(true);
    assert.ok(e.clearCall(e.connectionsOf("103")[0]).ok);
    rig.sim.stopAnswering(false);
    const ended = await ws.next(
      (m) => callState("101", "idle")(m) && m.callId === offered.callId,
      "ended by snapshot",
      10_000,
    );
    assert.equal(ended.cause, null, "no event told it: the snapshot did");
  } finally {
    await rig.close();
  }
});

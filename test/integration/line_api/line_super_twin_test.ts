// The Mobile address: a line whose configuration names its Super-Twin partner, against the simulator's
// pairing model (both ring; the one that answers takes the call) [?]; which of the two answered or dialled
// is reported as address 0 or 1.

import assert from "node:assert/strict";
import { callState, lineApiRig } from "./line_api_rig.ts";

Deno.test("address 1 (Mobile): the paired portable answers or dials, and callState says so", async () => {
  const rig = await lineApiRig({
    simulator: {
      plan: { extensions: "101-106", trunks: 1, firstTrunkNumber: "801", twins: { "101": "106" } },
    },
  });
  try {
    const named = await rig.api("PUT", "/lines/101/partner", { partner: "106" });
    assert.deepEqual(named.body, { line: "101", partner: "106" });
    assert.equal(
      (await rig.api("PUT", "/lines/101/partner", { partner: "10x" })).body.error.field,
      "partner",
    );
    const opened = await rig.api("POST", "/lines/101/open");
    assert.equal(opened.body.partner, "106");
    const ws = await rig.socket();
    ws.send({ subscribe: ["101"] });
    await ws.next((m) => m.type === "snapshot", "snapshot");

    // A call to 101 rings both; the portable answers: the call moves to address 1.
    const e = rig.sim.engine;
    assert.ok(e.makeCall("103", "101").ok);
    const offered = await ws.next(callState("101", "offering"), "offering");
    assert.equal(offered.address, 0);
    const portable = e.connectionsOf("106").find((c) => c.state === "alerting");
    assert.ok(portable, "the portable rings too");
    assert.ok(e.answerCall(portable).ok);
    const answered = await ws.next(callState("101", "connected"), "answered");
    assert.equal(answered.address, 1);
    assert.equal(answered.callId, offered.callId);
    assert.equal(e.connectionsOf("101").length, 0, "the desk phone stopped ringing");
    // The call goes on at the portable: hold through the API reaches 106.
    assert.equal((await rig.api("POST", `/calls/${offered.callId}/hold`)).status, 204);
    await ws.next((m) => callState("101", "onhold")(m) && m.address === 1, "held at the portable");
    assert.equal(e.connectionsOf("106")[0].state, "hold");
    assert.equal((await rig.api("POST", `/calls/${offered.callId}/drop`)).status, 204);
    await ws.next((m) => callState("101", "idle")(m) && m.callId === offered.callId, "ended");

    // Dialling from the Mobile address.
    const made = await rig.api("POST", "/lines/101/calls", { to: "104", address: 1 });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const ringback = await ws.next(
      (m) => callState("101", "ringback")(m) && m.callId === made.body.callId,
      "ringback",
    );
    assert.equal(ringback.address, 1);
    assert.equal(ringback.parties.caller.number, "106");
  } finally {
    await rig.close();
  }
});

// One scenario per operation of the line API (seed 3.4), against the simulator through cstabox's HTTP API,
// with the callState events each produces on the event WebSocket.

import assert from "node:assert/strict";
import { callState, lineApiRig } from "./line_api_rig.ts";

Deno.test("lineMakeCall, lineAnswer, lineHold, lineUnhold and lineDrop between two open lines", async () => {
  const rig = await lineApiRig();
  try {
    for (const line of ["101", "102"]) {
      const open = await rig.api("POST", `/lines/${line}/open`);
      assert.equal(open.status, 200, JSON.stringify(open.body));
      assert.equal(open.body.line, line);
    }
    const ws = await rig.socket();
    ws.send({ subscribe: ["101", "102"] });
    await ws.next((m) => m.type === "snapshot" && m.line === "102", "snapshots");

    const made = await rig.api("POST", "/lines/101/calls", { to: "102" });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.dialled, "102");
    const ringing = await ws.next(callState("102", "offering"), "102 offering");
    assert.equal(ringing.parties.caller.number, "101");
    assert.equal(ringing.direction, "incoming");
    const ringback = await ws.next(callState("101", "ringback"), "101 ringback");
    assert.equal(ringback.callId, made.body.callId);
    assert.equal(ringback.direction, "outgoing");

    assert.equal((await rig.api("POST", `/calls/${ringing.callId}/answer`)).status, 204);
    await ws.next(callState("102", "connected"), "102 connected");
    const connected = await ws.next(callState("101", "connected"), "101 connected");
    assert.equal(connected.parties.connected.number, "102");

    assert.equal((await rig.api("POST", `/calls/${made.body.callId}/hold`)).status, 204);
    await ws.next(callState("101", "onhold"), "101 on hold");
    assert.equal((await rig.api("POST", `/calls/${made.body.callId}/unhold`)).status, 204);
    await ws.next(callState("101", "connected"), "101 back");

    assert.equal((await rig.api("POST", `/calls/${made.body.callId}/drop`)).status, 204);
    await ws.next(callState("101", "idle"), "101 idle");
    const end = await ws.next(
      (m) => m.type === "callState" && m.line === "102" && ["disconnected", "idle"].includes(m.state),
      "102 ends",
    );
    assert.ok(end);
    if (Deno.env.get("LINE_DEBUG")) {
      for (const m of ws.messages) {
        console.log(
          m.seq,
          m.type,
          m.line,
          m.state ?? "",
          m.previousState ?? "",
          m.cause ?? "",
          m.callId ?? "",
          JSON.stringify(m.parties ?? ""),
        );
      }
    }
    // seq counts every message of this connection, from 1, without gaps.
    assert.deepEqual(ws.messages.map((m) => m.seq), ws.messages.map((_, i) => i + 1));
  } finally {
    await rig.close();
  }
});

// One scenario per operation of the line API (seed 3.4), against the simulator through cstabox's HTTP API,
// with the callState events each produces on the event WebSocket.

import assert from "node:assert/strict";
import { callState, type EventSocket, type LineApiRig, lineApiRig } from "./line_api_rig.ts";

/** Opens the lines and subscribes a WebSocket to them; resolves after their snapshots. */
async function openAndWatch(rig: LineApiRig, lines: string[]): Promise<EventSocket> {
  for (const line of lines) {
    const open = await rig.api("POST", `/lines/${line}/open`);
    assert.equal(open.status, 200, JSON.stringify(open.body));
  }
  const ws = await rig.socket();
  ws.send({ subscribe: lines });
  for (const line of lines) {
    await ws.next((m) => m.type === "snapshot" && m.line === line, `snapshot ${line}`);
  }
  return ws;
}

async function ok(rig: LineApiRig, method: string, path: string, body?: unknown, status = 204) {
  const answer = await rig.api(method, path, body);
  assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** The simulator's connection of a device (the PBX side of a user's phone). */
function conn(rig: LineApiRig, device: string) {
  const c = rig.sim.engine.connectionsOf(device)[0];
  assert.ok(c, `no connection at ${device}`);
  return c;
}

/** 101 calls 102 through the API and 102 answers at its phone: the two calls' callState. */
async function connected101to102(rig: LineApiRig, ws: EventSocket): Promise<string> {
  const made = await ok(rig, "POST", "/lines/101/calls", { to: "102" }, 201);
  await ws.next(callState("101", "ringback"), "101 ringback");
  assert.ok(rig.sim.engine.answerCall(conn(rig, "102")).ok);
  await ws.next(callState("101", "connected"), "101 connected");
  return made.callId;
}

Deno.test("lineMakeCall, lineAnswer, lineHold, lineUnhold and lineDrop between two open lines", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101", "102"]);
    const made = await ok(rig, "POST", "/lines/101/calls", { to: "102" }, 201);
    assert.equal(made.dialled, "102");
    const ringing = await ws.next(callState("102", "offering"), "102 offering");
    assert.equal(ringing.parties.caller.number, "101");
    assert.equal(ringing.direction, "incoming");
    assert.equal(ringing.origin, "internal");
    await ws.next(callState("101", "dialtone"), "101 dialtone");
    await ws.next(callState("101", "dialing"), "101 dialing");
    const ringback = await ws.next(callState("101", "ringback"), "101 ringback");
    assert.equal(ringback.callId, made.callId);
    assert.equal(ringback.direction, "outgoing");

    await ok(rig, "POST", `/calls/${ringing.callId}/answer`);
    await ws.next(callState("102", "connected"), "102 connected");
    const connected = await ws.next(callState("101", "connected"), "101 connected");
    assert.equal(connected.parties.connected.number, "102");

    await ok(rig, "POST", `/calls/${made.callId}/hold`);
    await ws.next(callState("101", "onhold"), "101 on hold");
    await ok(rig, "POST", `/calls/${made.callId}/unhold`);
    await ws.next(callState("101", "connected"), "101 back");

    await ok(rig, "POST", `/calls/${made.callId}/drop`);
    await ws.next(callState("101", "idle"), "101 idle");
    await ws.next(callState("102", "disconnected"), "102: the far end hung up");
    await ws.next(callState("102", "idle"), "102 idle");
    // seq counts every message of this connection, from 1, without gaps.
    assert.deepEqual(ws.messages.map((m) => m.seq), ws.messages.map((_, i) => i + 1));
  } finally {
    await rig.close();
  }
});

Deno.test("lineRedirect sends a call ringing at the line to another number", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101", "102"]);
    assert.ok(rig.sim.engine.makeCall("103", "101").ok);
    const offered = await ws.next(callState("101", "offering"), "101 offering");
    assert.deepEqual(await ok(rig, "POST", `/calls/${offered.callId}/redirect`, { to: "102" }, 200), {
      to: "102",
      dialled: "102",
    });
    const gone = await ws.next(callState("101", "idle"), "101 idle");
    assert.equal(gone.cause, "redirected");
    const there = await ws.next(callState("102", "offering"), "102 offering");
    assert.equal(there.parties.caller.number, "103");
  } finally {
    await rig.close();
  }
});

Deno.test("lineBlindTransfer hands a connected call to another number", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101", "103"]);
    const callId = await connected101to102(rig, ws);
    await ok(rig, "POST", `/calls/${callId}/blind-transfer`, { to: "103" }, 200);
    await ws.next(callState("101", "idle"), "101 idle");
    const offered = await ws.next(callState("103", "offering"), "103 offering");
    assert.equal(offered.parties.caller.number, "102");
  } finally {
    await rig.close();
  }
});

Deno.test("lineSetupTransfer, lineSwapHold and lineCompleteTransfer (transfer) move the call to the consulted party", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101", "102"]);
    const callId = await connected101to102(rig, ws);
    const setup = await ok(rig, "POST", `/calls/${callId}/setup-transfer`, { to: "103" }, 200);
    await ws.next(
      (m) => callState("101", "onholdpendtransfer")(m) && m.callId === callId,
      "held for transfer",
    );
    await ws.next(
      (m) => callState("101", "ringback")(m) && m.callId === setup.consultationCallId,
      "consultation",
    );
    assert.ok(rig.sim.engine.answerCall(conn(rig, "103")).ok);
    await ws.next(
      (m) => callState("101", "connected")(m) && m.callId === setup.consultationCallId,
      "consulted",
    );

    // Swap: the consultation is held, the original comes back; and again.
    await ok(rig, "POST", `/calls/${callId}/swap-hold`, { otherCallId: setup.consultationCallId });
    await ws.next((m) => callState("101", "connected")(m) && m.callId === callId, "original back");
    await ws.next(
      (m) => m.type === "callState" && m.callId === setup.consultationCallId && m.state.startsWith("onhold"),
      "consultation held",
    );
    await ok(rig, "POST", `/calls/${callId}/swap-hold`, { otherCallId: setup.consultationCallId });
    await ws.next(
      (m) => m.type === "callState" && m.callId === callId && m.state.startsWith("onhold"),
      "original held again",
    );

    assert.deepEqual(
      await ok(rig, "POST", `/calls/${callId}/complete-transfer`, {
        consultationCallId: setup.consultationCallId,
        mode: "transfer",
      }, 200),
      { callId: null },
    );
    await ws.next((m) => callState("101", "idle")(m) && m.callId === callId, "original idle");
    await ws.next(
      (m) => callState("101", "idle")(m) && m.callId === setup.consultationCallId,
      "consultation idle",
    );
    const transferred = await ws.next(
      (m) => m.type === "callState" && m.line === "102" && m.parties.connected?.number === "103",
      "102 talks to 103",
    );
    assert.equal(transferred.state, "connected");
  } finally {
    await rig.close();
  }
});

Deno.test("lineCompleteTransfer (conference), lineAddToConference and lineRemoveFromConference", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101"]);
    const callId = await connected101to102(rig, ws);
    const first = await ok(rig, "POST", `/calls/${callId}/setup-transfer`, { to: "103" }, 200);
    await ws.next(
      (m) => callState("101", "ringback")(m) && m.callId === first.consultationCallId,
      "consulting 103",
    );
    assert.ok(rig.sim.engine.answerCall(conn(rig, "103")).ok);
    await ws.next(
      (m) => callState("101", "connected")(m) && m.callId === first.consultationCallId,
      "103 answered",
    );
    const conference = await ok(rig, "POST", `/calls/${callId}/complete-transfer`, {
      consultationCallId: first.consultationCallId,
      mode: "conference",
    }, 200);
    assert.equal(conference.callId, callId);
    await ws.next((m) => callState("101", "conferenced")(m) && m.callId === callId, "conference of three");

    // A fourth party: consult 104 from the conference, then add it.
    const second = await ok(rig, "POST", `/calls/${callId}/setup-transfer`, { to: "104" }, 200);
    await ws.next(
      (m) => callState("101", "ringback")(m) && m.callId === second.consultationCallId,
      "consulting 104",
    );
    assert.ok(rig.sim.engine.answerCall(conn(rig, "104")).ok);
    await ws.next(
      (m) => callState("101", "connected")(m) && m.callId === second.consultationCallId,
      "104 answered",
    );
    await ok(rig, "POST", `/calls/${callId}/add-to-conference`, {
      consultationCallId: second.consultationCallId,
    });
    await ws.next((m) => callState("101", "conferenced")(m) && m.callId === callId, "conference of four");

    await ok(rig, "POST", `/calls/${callId}/remove-from-conference`, { party: "104" });
    await rig.api("GET", "/lines/101/status");
    assert.equal(rig.sim.engine.connectionsOf("104").length, 0, "104 left the conference");
    assert.equal(rig.sim.engine.connectionsOf("102").length, 1, "102 stays");
    const wrong = await rig.api("POST", `/calls/${callId}/remove-from-conference`, { party: "106" });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.field, "party");
  } finally {
    await rig.close();
  }
});

Deno.test("linePickup takes a call from the pickup group, or the one ringing at a named extension", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101"]);
    assert.ok(rig.sim.engine.makeCall("103", "102").ok);
    const group = await ok(rig, "POST", "/lines/101/pickup", {}, 200);
    assert.ok(group.callId);
    await ws.next((m) => callState("101", "connected")(m) && m.callId === group.callId, "group pickup");
    await ok(rig, "POST", `/calls/${group.callId}/drop`);
    await ws.next(callState("101", "idle"), "101 free again");

    assert.ok(rig.sim.engine.makeCall("105", "104").ok);
    const directed = await ok(rig, "POST", "/lines/101/pickup", { from: "104" }, 200);
    const picked = await ws.next(
      (m) => callState("101", "connected")(m) && m.callId === directed.callId,
      "directed pickup",
    );
    assert.equal(picked.parties.connected?.number ?? picked.parties.caller.number, "105");
    const none = await rig.api("POST", "/lines/101/pickup", { from: "106" });
    assert.equal(none.status, 409);
    assert.equal(none.body.error.code, "LINEERR_INVALCALLSTATE");
  } finally {
    await rig.close();
  }
});

Deno.test("lineGenerateDigits sends DTMF; lineDial dials on a call in dial tone", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101", "102"]);
    const digits: string[] = [];
    rig.sim.engine.subscribe((fact) => {
      const event = (fact as { event?: { type: string; digits?: string } }).event;
      if (event?.type === "digitsGenerated" && event.digits) digits.push(event.digits);
    });
    const callId = await connected101to102(rig, ws);
    await ok(rig, "POST", `/calls/${callId}/digits`, { digits: "12#" });
    assert.deepEqual(digits, ["12#"]);
    await ok(rig, "POST", `/calls/${callId}/drop`);
    await ws.next(callState("101", "idle"), "101 free");

    // The user lifts the handset: dial tone; the application dials.
    assert.ok(rig.sim.engine.offHook("101").ok);
    const tone = await ws.next(
      (m) => callState("101", "dialtone")(m) && m.callId !== callId,
      "101 dial tone",
    );
    assert.deepEqual(await ok(rig, "POST", `/calls/${tone.callId}/dial`, { digits: "102" }, 200), {
      to: "102",
      dialled: "102",
    });
    await ws.next((m) => callState("101", "ringback")(m) && m.callId === tone.callId, "101 rings 102");
    await ws.next(callState("102", "offering"), "102 rings");
  } finally {
    await rig.close();
  }
});

Deno.test("lineCompleteCall: camp-on, callback and intrusion on a busy extension", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101"]);
    const e = rig.sim.engine;
    assert.ok(e.makeCall("102", "103").ok);
    assert.ok(e.answerCall(conn(rig, "103")).ok);
    const busy = async () => {
      const made = await ok(rig, "POST", "/lines/101/calls", { to: "102" }, 201);
      await ws.next((m) => callState("101", "busy")(m) && m.callId === made.callId, "102 busy");
      return made.callId as string;
    };
    const camp = await busy();
    await ok(rig, "POST", `/calls/${camp}/complete`, { mode: "campon" });
    await ws.next((m) => callState("101", "ringback")(m) && m.callId === camp, "camped on: rings at 102");
    await ok(rig, "POST", `/calls/${camp}/drop`);
    await ws.next((m) => callState("101", "idle")(m) && m.callId === camp, "camp-on given up");

    const back = await busy();
    await ok(rig, "POST", `/calls/${back}/complete`, { mode: "callback" });
    const ended = await ws.next((m) => callState("101", "idle")(m) && m.callId === back, "callback booked");
    assert.equal(ended.cause, "callBack");
    assert.deepEqual(e.callBackRequests(), [{ requester: "101", target: "102" }]);

    const intrude = await busy();
    await ok(rig, "POST", `/calls/${intrude}/complete`, { mode: "intrude" });
    await ws.next((m) => callState("101", "conferenced")(m), "101 joined 102's call");
  } finally {
    await rig.close();
  }
});

Deno.test("lineForward sets and cancels forwarding, lineSetDoNotDisturb switches DND; lineGetAddressStatus shows both", async () => {
  const rig = await lineApiRig();
  try {
    const ws = await openAndWatch(rig, ["101"]);
    await ok(rig, "PUT", "/lines/101/forwarding", { mode: "busy", scope: "external", to: "104" }, 200);
    const on = await ws.next((m) => m.type === "addressState" && m.forwarding?.on === true, "forwarding on");
    assert.deepEqual(on.forwarding, { mode: "busy", scope: "external", on: true, to: "104" });
    await ok(rig, "PUT", "/lines/101/do-not-disturb", { on: true });
    await ws.next((m) => m.type === "addressState" && m.doNotDisturb === true, "DND on");

    const status = await ok(rig, "GET", "/lines/101/status", undefined, 200);
    assert.equal(status.doNotDisturb, true);
    assert.deepEqual(status.forwarding.filter((f: { on: boolean }) => f.on), [
      { mode: "busy", scope: "external", on: true, to: "104" },
    ]);

    await ok(rig, "DELETE", "/lines/101/forwarding");
    await ws.next((m) => m.type === "addressState" && m.forwarding?.on === false, "forwarding off");
    await ok(rig, "PUT", "/lines/101/do-not-disturb", { on: false });
    await ws.next((m) => m.type === "addressState" && m.doNotDisturb === false, "DND off");
    const after = await ok(rig, "GET", "/lines/101/status", undefined, 200);
    assert.equal(after.doNotDisturb, false);
    assert.deepEqual(after.forwarding.filter((f: { on: boolean }) => f.on), []);
  } finally {
    await rig.close();
  }
});

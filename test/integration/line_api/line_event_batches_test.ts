// The event WebSocket's batch mode (`/api/events?batch=true`): the messages of one event-loop turn arrive as
// one frame, a JSON array in seq order, with the same messages and seq numbers as without it.

import assert from "node:assert/strict";
import { BASIC, callState, lineApiRig } from "./line_api_rig.ts";

Deno.test("with ?batch=true a subscription's answer and snapshots come as one array frame, calls in seq order", async () => {
  const rig = await lineApiRig();
  try {
    for (const line of ["101", "102"]) {
      assert.equal((await rig.api("POST", `/lines/${line}/open`)).status, 200);
    }
    const ws = await rig.socket(BASIC, "?batch=true");
    ws.send({ subscribe: ["101", "102"] });
    await ws.next((m) => m.type === "snapshot" && m.line === "102", "snapshot 102");
    // The answer and both snapshots are published in the same turn: one frame of three.
    assert.deepEqual(ws.frames, [3]);
    assert.deepEqual(ws.messages.map((m) => [m.seq, m.type]), [[1, "subscribed"], [2, "snapshot"], [
      3,
      "snapshot",
    ]]);

    const made = await rig.api("POST", "/lines/101/calls", { to: "102" });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await ws.next(callState("102", "offering"), "102 offering");
    await ws.next(callState("101", "ringback"), "101 ringback");
    assert.deepEqual(ws.messages.map((m) => m.seq), ws.messages.map((_, i) => i + 1), "no gap, in order");
    assert.equal(ws.frames.reduce((a, b) => a + b, 0), ws.messages.length);
    assert.ok(
      ws.frames.length < ws.messages.length,
      `frames ${ws.frames} for ${ws.messages.length} messages`,
    );
  } finally {
    await rig.close();
  }
});

Deno.test("without batch every frame is one message; a batch value other than true or false is refused with 400", async () => {
  const rig = await lineApiRig();
  try {
    assert.equal((await rig.api("POST", "/lines/101/open")).status, 200);
    const ws = await rig.socket(BASIC, "?batch=false");
    ws.send({ subscribe: ["101"] });
    await ws.next((m) => m.type === "snapshot" && m.line === "101", "snapshot 101");
    assert.deepEqual(ws.frames, [1, 1]);

    // fetch drops the Upgrade header, so the upgrade request is written by hand.
    const port = Number(new URL(rig.base).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(
      `GET /api/events?batch=yes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${BASIC}\r\n` +
        "Upgrade: websocket\r\nConnection: Upgrade, close\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    ));
    const answer = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
    assert.match(answer, /^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    assert.equal(body.error.code, "LINEERR_INVALPARAM");
    assert.equal(body.error.field, "batch");
  } finally {
    await rig.close();
  }
});

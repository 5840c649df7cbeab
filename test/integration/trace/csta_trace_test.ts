// The CSTA trace on a real cstabox against the simulator: an application's AARQ (password masked) and
// MonitorStart over a real socket, its answer with the crossRef, and nothing recorded while no trace runs.

import assert from "node:assert/strict";
import { encodeLoginAarq } from "../../../src/csta/acse.ts";
import { dialingNumber } from "../../../src/csta/device_id.ts";
import { encodeTypedInvoke } from "../../../src/csta/operations.ts";
import { traceTextLines } from "../../../src/trace/trace_text.ts";
import { RawCstaPeer } from "../../support/raw_csta_peer.ts";
import { rig, waitFor } from "../multiplexer/multiplexer_rig.ts";

const PASSWORD = "Trace-Secret-7781";

/** Associates with a login in the AARQ (ignored on plain TCP, but on the wire) and starts a monitor. */
async function monitorThroughSocket(port: number, invokeId: number, device: string): Promise<RawCstaPeer> {
  const peer = await RawCstaPeer.connect(port);
  await peer.send(encodeLoginAarq("alice", PASSWORD));
  await peer.waitFor(2); // AARE, SystemStatus
  await peer.send(
    encodeTypedInvoke(invokeId, "monitorStart", {
      monitorObject: { kind: "deviceObject", value: dialingNumber(device) },
    }),
  );
  await waitFor(
    "the MonitorStart answer",
    () => peer.decoded().some((a) => a.kind === "returnResult" && a.invokeId === invokeId),
  );
  return peer;
}

Deno.test("a trace shows an application's MonitorStart, its answer's crossRef and the AARQ with the password masked", async () => {
  const r = await rig();
  try {
    r.app.trace.start({ seconds: 60, pbx: true, applications: "all" });
    const peer = await monitorThroughSocket(r.port, 9, "101");
    const frames = r.app.trace.last!.frames();
    const mine = frames.filter((f) => f.connection !== "PBX");

    const aarq = mine.find((f) => f.description!.kind === "aarq")!;
    assert.equal(aarq.direction, "in");
    const passwordHex = new TextEncoder().encode(PASSWORD).toHex();
    assert.ok(!aarq.apdu.toHex().includes(passwordHex), "the password is not in the AARQ's bytes");
    assert.ok(aarq.apdu.toHex().includes("2a".repeat(PASSWORD.length)), "it is masked with * octets");
    assert.match(aarq.description!.details, /user=alice password=\(masked\)/);

    const start = mine.find((f) => f.description!.name === "monitorStart" && f.direction === "in")!;
    assert.equal(start.description!.invokeId, 9);
    assert.deepEqual(start.description!.devices, ["101"]);
    assert.match(start.connection, /^application \d+ \(127\.0\.0\.1:\d+\)$/);

    const answer = mine.find((f) => f.description!.name === "monitorStart result")!;
    assert.equal(answer.direction, "out");
    assert.equal(answer.description!.invokeId, 9);
    assert.equal(answer.description!.crossRefs.length, 1);
    assert.ok(answer.seq > start.seq);

    // The PBX side of the same start: cstabox's own MonitorStart for 101 and the PBX's answer.
    const pbxStart = frames.find((f) =>
      f.connection === "PBX" && f.direction === "out" && f.description!.name === "monitorStart"
    )!;
    assert.deepEqual(pbxStart.description!.devices, ["101"]);
    assert.ok(frames.some((f) => f.connection === "PBX" && f.description!.name === "monitorStart result"));

    const text = [...traceTextLines(r.app.trace, "test")].join("\n");
    assert.match(
      text,
      / {2}application -> cstabox {2}monitorStart \(invoke\) {2}invokeId=9 {2}devices=101/,
    );
    assert.ok(!text.includes(PASSWORD) && !text.includes(passwordHex), "the download carries no password");
    peer.close();
  } finally {
    await r.close();
  }
});

Deno.test("nothing is recorded while no trace runs, before the first one or after one stopped", async () => {
  const r = await rig();
  try {
    const first = await monitorThroughSocket(r.port, 3, "102");
    assert.equal(r.app.trace.active, null);
    assert.equal(r.app.trace.last, null, "no trace was ever started: nothing was kept");

    r.app.trace.start({ seconds: 60, pbx: true, applications: "all" });
    r.app.trace.stop();
    const kept = r.app.trace.status().frames;
    const second = await monitorThroughSocket(r.port, 4, "103");
    assert.equal(r.app.trace.status().frames, kept, "no frame was added after the stop");
    assert.equal(r.app.trace.status().running, false);
    first.close();
    second.close();
  } finally {
    await r.close();
  }
});

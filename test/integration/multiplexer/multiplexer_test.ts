// Issue acceptance for the multiplexer: the whole App (PbxLink, Switchboard, CSTA listeners) against the
// PBX simulator over real sockets, with CstaClient applications.

import assert from "node:assert/strict";
import { CstaFailureError } from "../../../src/client/client_errors.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { deviceNumber } from "../../../src/csta/device_id.ts";
import { panasonicAarq } from "../../../src/csta/acse.ts";
import { describeUniversalFailure } from "../../../src/csta/universal_failure.ts";
import { RawCstaPeer } from "../../support/raw_csta_peer.ts";
import { nextEvent, rig, waitFor } from "./multiplexer_rig.ts";

Deno.test("three applications monitoring 101 share one PBX monitor; the last to leave stops it, also when one names it by device number", async () => {
  const r = await rig();
  try {
    const apps = [await r.connect(), await r.connect(), await r.connect()];
    const xrefs = [];
    for (const app of apps) xrefs.push(await app.monitorStart("101"));
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "the PBX sees one MonitorStart");
    assert.equal(new Set(xrefs.map((x) => x.join())).size, 3, "each application has its own crossRef");

    // A fourth names 101 by its PBX device number (learned from the device list).
    await waitFor(
      "device numbers",
      () => (r.app.status()["line-sync"]?.details?.knownDeviceNumbers ?? 0) > 0,
    );
    const byNumber = await r.connect();
    const fourth = await byNumber.monitorStart(deviceNumber(r.sim.plan.device("101")!.deviceNumber));
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "still one PBX monitor");

    const streams = [...apps, byNumber].map((a) => a.events()[Symbol.asyncIterator]());
    assert.ok(r.sim.engine.makeCall("102", "101").ok);
    for (const [i, stream] of streams.entries()) {
      const event = await nextEvent(stream, (e) => e.name === "delivered");
      assert.deepEqual(event.crossRef, [...xrefs, fourth][i], `application ${i + 1} gets its own crossRef`);
    }

    await apps[0].monitorStop(xrefs[0]);
    await apps[1].monitorStop(xrefs[1]);
    await byNumber.monitorStop(fourth);
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "no MonitorStop reached the PBX yet");
    await apps[2].close();
    await waitFor("the PBX monitor to stop", () => r.sim.monitors.monitorsOf("101").length === 0);
  } finally {
    await r.close();
  }
});

Deno.test("a second CDR application gets operation/generic and the first receives every report", async () => {
  const r = await rig();
  try {
    const reports: number[] = [];
    const owner = await CstaClient.connect({
      hostname: "127.0.0.1",
      port: r.port,
      onInvoke: (invoke) => {
        if (invoke.operation === "cDRReport") reports.push(invoke.invokeId);
      },
    });
    const second = await r.connect();
    await owner.invoke("startCDRTransmission", { transferMode: "transferAtEndOfCall" });
    await assert.rejects(
      second.invoke("startCDRTransmission", { transferMode: "transferAtEndOfCall" }),
      (error: unknown) =>
        error instanceof CstaFailureError && error.failure !== undefined &&
        describeUniversalFailure(error.failure) === "operation/generic",
    );
    for (let i = 0; i < 3; i++) {
      const made = r.sim.engine.makeCall("103", "104");
      assert.ok(made.ok);
      const ringing = r.sim.engine.connectionsOf("104")[0];
      assert.ok(r.sim.engine.answerCall(ringing).ok);
      assert.ok(r.sim.engine.clearCall(made.value).ok);
    }
    await waitFor("three CDR reports", () => reports.length === 3);
    await owner.close();
  } finally {
    await r.close();
  }
});

Deno.test("the PBX restarts: applications stay connected, hear disabled then normal, and keep their crossRefs", async () => {
  const r = await rig();
  try {
    const app = await r.connect();
    const statuses: string[] = [];
    app.onSystemStatus((status) => statuses.push(String(status)));
    const xref = await app.monitorStart("101");
    const stream = app.events()[Symbol.asyncIterator]();

    await r.restartSimulator();
    await waitFor("normal again", () => statuses.includes("disabled") && statuses.at(-1) === "normal");
    assert.equal(app.state, "open", "the application never lost its association");
    assert.equal(
      r.sim.monitors.monitorsOf("101").length,
      1,
      "the monitor was re-created in the new PBX session",
    );

    assert.ok(r.sim.engine.makeCall("102", "101").ok);
    const event = await nextEvent(stream, (e) => e.name === "delivered");
    assert.deepEqual(event.crossRef, xref, "events continue under the old crossRef without re-monitoring");
  } finally {
    await r.close();
  }
});

Deno.test("10,000 garbage frames from one application leave the others' events untouched", async () => {
  const r = await rig();
  try {
    const good = await r.connect();
    await good.monitorStart("105");
    const stream = good.events()[Symbol.asyncIterator]();
    const bad = await RawCstaPeer.connect(r.port);
    await bad.send(panasonicAarq());
    await bad.waitFor(2);
    const garbage = new Uint8Array(10_000 * 5);
    for (let i = 0; i < 10_000; i++) garbage.set([0x00, 0x03, 0xa1, 0x01, i & 0xff], i * 5);
    await bad.sendBytes(garbage).catch(() => {});
    await bad.waitClosed();
    assert.ok(r.sim.engine.makeCall("106", "105").ok);
    const event = await nextEvent(stream, (e) => e.name === "delivered");
    assert.equal(event.name, "delivered");
    bad.close();
  } finally {
    await r.close();
  }
});

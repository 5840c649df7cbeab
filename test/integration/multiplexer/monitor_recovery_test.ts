// Issue 18 defect 1 against the simulator: a PBX that answers MonitorStart later than the request timeout
// (console `slow`, `drop`, `resume`) must not leave monitors dead while every status says all is well.

import assert from "node:assert/strict";
import { CstaFailureError } from "../../../src/client/client_errors.ts";
import { trackerRig } from "../calls/tracker_rig.ts";
import { nextEvent, type Rig, rig, waitFor } from "./multiplexer_rig.ts";

/** The PBX answers 1.5 s late, the link gives up after 1 s: the 12 s against 10 s, scaled down. */
const SLOW_MS = 1_500;
const overrides = { pbx: { requestTimeoutSeconds: 1, monitorRetrySeconds: 1 } };

Deno.test("monitors re-created during a slow re-association are adopted when the late answers come, and events flow again under the old crossRef", async () => {
  const r = await rig(overrides);
  try {
    const app = await r.connect();
    const statuses: string[] = [];
    app.onSystemStatus((status) => statuses.push(String(status)));
    const xref = await app.monitorStart("101");
    const stream = app.events()[Symbol.asyncIterator]();

    r.sim.answerSlowly(SLOW_MS);
    r.sim.dropLink("test: slow PBX drops the link");
    await waitFor("the link to drop", () => statuses.includes("disabled"));
    await waitFor("the link back", () => r.app.pbxLink.ready);
    // Every re-creation times out; the PBX carries them out late anyway.
    await waitFor(
      "the re-creation to time out",
      () => lostMonitors(r).some((m) => m.reason === "the PBX did not answer in time"),
      5_000,
    );
    assert.deepEqual(lostMonitors(r).map((m) => m.device), ["n:101"]);
    assert.notEqual(statuses.at(-1), "normal", "applications are not told normal while a monitor is lost");
    r.sim.answerSlowly(0);

    await waitFor("the monitor active again", () => monitorState(r, "n:101") === "active", 10_000);
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "one PBX monitor: the late one was adopted");
    await waitFor("normal again", () => statuses.at(-1) === "normal");
    assert.deepEqual(lostMonitors(r), []);

    assert.ok(r.sim.engine.makeCall("102", "101").ok);
    const event = await nextEvent(stream, (e) => e.name === "delivered");
    assert.deepEqual(event.crossRef, xref, "events continue under the application's old crossRef");
  } finally {
    await r.close();
  }
});

Deno.test("a MonitorStart that times out and is carried out late is stopped at the PBX, and the device can be monitored again", async () => {
  const r = await rig(overrides);
  try {
    const app = await r.connect();
    r.sim.answerSlowly(SLOW_MS);
    await assert.rejects(app.monitorStart("102"), CstaFailureError);
    await waitFor("the late monitor in the PBX", () => r.sim.monitors.monitorsOf("102").length === 1, 5_000);
    r.sim.answerSlowly(0);
    await waitFor("the late monitor stopped", () => r.sim.monitors.monitorsOf("102").length === 0, 5_000);

    const xref = await app.monitorStart("102");
    assert.equal(r.sim.monitors.monitorsOf("102").length, 1);
    const stream = app.events()[Symbol.asyncIterator]();
    assert.ok(r.sim.engine.makeCall("101", "102").ok);
    const event = await nextEvent(stream, (e) => e.name === "delivered");
    assert.deepEqual(event.crossRef, xref);
  } finally {
    await r.close();
  }
});

function monitorState(r: Rig, device: string): string | undefined {
  return r.app.switchboard.status().monitors.find((m) => m.device === device)?.state;
}

function lostMonitors(r: Rig): { device: string; reason: string }[] {
  return r.app.switchboard.lostMonitors();
}

Deno.test("call tracking shows lines whose monitor is lost, with the reason, and re-syncs when they recover", async () => {
  const rig = await trackerRig({ requestTimeoutSeconds: 1, monitorRetrySeconds: 1 });
  try {
    const lines = rig.lines.list().length;
    await waitFor("lines monitored", () => rig.tracker.status().details?.monitoredLines === lines);
    rig.simulator.answerSlowly(SLOW_MS);
    rig.simulator.dropLink("test: slow PBX drops the link");
    await waitFor(
      "the lost lines in call tracking",
      () =>
        rig.tracker.status().details?.unmonitoredLines.filter((l) => /did not answer in time/.test(l.reason))
          .length === lines,
      5_000,
    );
    const status = rig.tracker.status();
    assert.equal(status.state, "degraded");
    assert.equal(status.details!.monitoredLines, 0, "no line counts as monitored while its monitor is lost");
    assert.match(status.details!.unmonitoredLines[0].reason, /monitor lost: the PBX did not answer in time/);

    rig.simulator.answerSlowly(0);
    await waitFor("recovery", () => rig.tracker.status().details?.monitoredLines === lines, 10_000);
    await waitFor(
      "the resync after recovery",
      () => rig.tracker.status().details?.lastResync?.reason === "lost monitors recovered",
      10_000,
    );
    assert.equal(rig.tracker.status().state, "running");
  } finally {
    await rig.close();
  }
});

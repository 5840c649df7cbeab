// The CallTracker against the simulator over the real PbxLink and Switchboard: re-sync after the PBX link
// drops and returns, lines followed as they are added and disabled, the live view and status.

import assert from "node:assert/strict";
import { parseRecord } from "../../../src/smdr/record.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { CLI, DDI, trackerRig } from "./tracker_rig.ts";

const DDI_2560 = "441615550124";

/** Records as `EVENT extension` per call ID. */
function byCall(records: string[]): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  for (const record of records) {
    const fields = parseRecord(record);
    const list = calls.get(fields.callId) ?? [];
    list.push(`${fields.event.replaceAll("|", "").trim()} ${fields.extension.replace(/^0+/, "")}`);
    calls.set(fields.callId, list);
  }
  return calls;
}

Deno.test("after the PBX link drops and returns, a call that ended meanwhile gets DISCONNECTED and one still up goes on", async () => {
  const rig = await trackerRig();
  try {
    rig.simulator.plan.setDdi(DDI_2560, "2560");
    await waitUntil(() => rig.tracker.status().details?.monitoredLines === 5, 5000, () => "monitors");
    const e = rig.simulator.engine;
    assert.ok(e.incomingCall({ cli: CLI, ddi: DDI, trunk: "92108" }).ok);
    assert.ok(e.incomingCall({ cli: "07700900123", ddi: DDI_2560, trunk: "92808" }).ok);
    e.answerCall(e.connectionsOf("1843")[0]);
    e.answerCall(e.connectionsOf("2560")[0]);
    await waitUntil(() => rig.records.length === 4, 5000, () => `${rig.records.length} records`);
    const [callA, callB] = [...byCall(rig.records).keys()];

    // The link drops; while it is down, the caller on 92808 hangs up: no event reaches cstabox.
    rig.simulator.dropLink("test: link dropped");
    assert.ok(e.networkRelease("92808").ok);
    await waitUntil(() => rig.tracker.status().details?.pbx === "down", 5000, () => "link loss seen");
    await waitUntil(
      () =>
        (rig.tracker.status().details?.lastResync as { reason: string } | null)?.reason ===
          "the PBX link returned",
      10_000,
      () => JSON.stringify(rig.tracker.status()),
    );
    assert.deepEqual(byCall(rig.records).get(callB), ["RINGING 2560", "ANSWERED 2560", "DISCONNECTED 2560"]);
    assert.deepEqual(rig.tracker.calls().map((c) => c.smdrCallId), [callA]);

    // The call still up goes on under its call ID, with the monitors the Switchboard re-created.
    e.holdCall(e.connectionsOf("1843")[0]);
    e.retrieveCall(e.connectionsOf("1843")[0]);
    assert.ok(e.networkRelease("92108").ok);
    await waitUntil(() => rig.records.length === 8, 5000, () => `${rig.records.length} records`);
    assert.deepEqual(byCall(rig.records).get(callA), [
      "RINGING 1843",
      "ANSWERED 1843",
      "HOLD 1843",
      "CONNECTED 1843",
      "DISCONNECTED 1843",
    ]);
    assert.equal(rig.tracker.status().state, "running");
  } finally {
    await rig.close();
  }
});

Deno.test("lines added to and disabled in the store are monitored and released; the status says how many", async () => {
  const rig = await trackerRig();
  try {
    await waitUntil(() => rig.tracker.status().details?.monitoredLines === 5, 5000, () => "monitors");
    const monitored = () =>
      rig.switchboard.status().monitors.filter((m) => m.subscribers > 0).map((m) => m.device).sort();
    rig.simulator.plan.addExtension("2561", "New desk");
    rig.lines.put({ number: "2561", kind: "extension" });
    await waitUntil(() => rig.tracker.status().details?.monitoredLines === 6, 5000, () => "2561 monitored");
    assert.equal(monitored().length, 6);
    rig.lines.update("2560", { enabled: false });
    await waitUntil(() => rig.tracker.status().details?.monitoredLines === 5, 5000, () => "2560 released");
    assert.equal(monitored().length, 5);

    // A line the PBX does not know cannot be monitored: shown in the status, tried again later.
    rig.lines.put({ number: "3999", kind: "extension" });
    await waitUntil(
      () => rig.tracker.status().state === "degraded",
      5000,
      () => JSON.stringify(rig.tracker.status()),
    );
    const details = rig.tracker.status().details as { unmonitoredLines: { number: string }[] };
    assert.deepEqual(details.unmonitoredLines.map((l) => l.number), ["3999"]);
    // The reason names the line, so the dashboard says which one.
    assert.match(rig.tracker.status().reason ?? "", /^1 line not monitored: 3999 \(.+\)$/);
    rig.lines.remove("3999");
    await waitUntil(() => rig.tracker.status().state === "running", 5000, () => "3999 forgotten");
  } finally {
    await rig.close();
  }
});

Deno.test("the live view shows a call while it rings and talks, and tells listeners of each change and its call", async () => {
  const rig = await trackerRig();
  let changes = 0;
  const named = new Set<string>();
  const ended = new Set<string>();
  rig.tracker.onChange((change) => {
    changes++;
    if (change.all) return;
    for (const call of change.calls) named.add(call.callId);
    for (const key of change.ended) ended.add(key);
  });
  try {
    await waitUntil(() => rig.tracker.status().details?.monitoredLines === 5, 5000, () => "monitors");
    const e = rig.simulator.engine;
    e.incomingCall({ cli: CLI, ddi: DDI, trunk: "92108" });
    await waitUntil(() => rig.tracker.activeCalls().length === 1, 5000, () => "ringing call");
    const ringing = rig.tracker.activeCalls()[0];
    assert.deepEqual(
      [ringing.state, ringing.direction, ringing.from, ringing.to, ringing.lines.sort()],
      ["alerting", "incoming", CLI, "1843", ["1843", "92108"]],
    );
    e.answerCall(e.connectionsOf("1843")[0]);
    await waitUntil(() => rig.tracker.activeCalls()[0]?.state === "connected", 5000, () => "answered");
    const [view] = rig.tracker.calls();
    assert.deepEqual([...named], [view.callId], "each change names the one call it was about");
    assert.equal(view.direction, "IN");
    assert.equal(view.ddi, DDI);
    assert.equal(view.trunk, "92108");
    assert.ok(view.answered);
    e.networkRelease("92108");
    await waitUntil(() => rig.tracker.calls().length === 0, 5000, () => "call ended");
    assert.ok(changes >= 3, `listeners heard ${changes} changes`);
    assert.deepEqual([...ended], [view.callId], "the call's end names it as ended");
    const status = rig.tracker.status().details as { recordsProduced: number; eventsSeen: number };
    assert.equal(status.recordsProduced, 3);
    assert.ok(status.eventsSeen >= 6, "each event is seen at the trunk's and the extension's monitor");
  } finally {
    await rig.close();
  }
});

// Issue 18 defect 9: cstabox (a real process) is killed with SIGKILL while two trunk calls are up at the
// simulated PBX (in this process); one call ends while cstabox is down. After the restart the ended call
// gets its DISCONNECTED, and the surviving one goes on, and ends, under the call ID it had before.

import assert from "node:assert/strict";
import { join } from "node:path";
import { SimulatorService } from "../../../src/sim/sim_service.ts";
import { parseRecord } from "../../../src/smdr/record.ts";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../../support/cstabox_process.ts";
import { waitUntil } from "../../support/wait_until.ts";

const PASSWORD = "restart-resync";
const SURVIVOR = "07968111111";
const ENDED = "07968222222";

/** The stored records of a running cstabox, oldest first, parsed. */
async function records(box: CstaboxProcess) {
  const res = await fetch(`http://127.0.0.1:${box.port("http")}/api/smdr/records?limit=3000`, {
    headers: { authorization: `Basic ${btoa(`admin:${PASSWORD}`)}` },
  });
  if (!res.ok) throw new Error(`GET /api/smdr/records: ${res.status} ${await res.text()}`);
  const body = await res.json() as { records: { position: number; record: string }[] };
  return body.records.sort((a, b) => a.position - b.position).map((r) => parseRecord(r.record));
}

/** The call tracker's status details of a running cstabox. */
async function tracker(box: CstaboxProcess): Promise<{ monitoredLines: number; lastResync: unknown }> {
  const res = await fetch(`http://127.0.0.1:${box.port("http")}/api/status`, {
    headers: { authorization: `Basic ${btoa(`admin:${PASSWORD}`)}` },
  });
  const body = await res.json() as {
    services: Record<string, { details?: { monitoredLines: number; lastResync: unknown } }>;
  };
  return body.services["call-tracker"]?.details ??
    { monitoredLines: 0, lastResync: null };
}

/** The events of the calls from `caller`, as `callId event`. */
async function callOf(box: CstaboxProcess, caller: string): Promise<string[]> {
  return (await records(box)).filter((r) => r.callerNumber.endsWith(caller)).map((r) =>
    `${r.callId} ${r.event}`
  );
}

Deno.test({
  name:
    "after a SIGKILL and restart, a call that ended meanwhile gets DISCONNECTED and a surviving call keeps its call ID",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sim = new SimulatorService({
      keepaliveSeconds: 0,
      remoteParties: false,
      plan: { extensions: "101-104", trunks: 2 },
    });
    sim.plan.setDdi("0800100", "101");
    sim.plan.setDdi("0800102", "102");
    await sim.start();
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-restart-resync-" });
    await Deno.writeTextFile(
      join(dataDir, "cstabox.yaml"),
      `pbx:\n  host: 127.0.0.1\n  port: ${sim.port}\n  reconnectMinSeconds: 0.2\n  reconnectMaxSeconds: 1\n`,
    );
    const args = ["--data-dir", dataDir, ...loopbackFlags, "--admin-password", PASSWORD];
    let box: CstaboxProcess | undefined;
    try {
      box = await startCstabox(args, { timeoutMs: 30_000 });
      const first = box;
      // cstabox loads the lines (4 extensions, 2 trunks and more) from the PBX's device list and monitors them.
      let details: unknown;
      await waitUntil(
        async () => ((details = await tracker(first)) as { monitoredLines: number }).monitoredLines >= 6,
        30_000,
        () => `lines: ${JSON.stringify(details)}`,
        100,
      );
      // Both calls ring and are answered while cstabox follows them.
      const survivor = sim.engine.incomingCall({ cli: SURVIVOR, ddi: "0800100" });
      assert.ok(survivor.ok);
      const ended = sim.engine.incomingCall({ cli: ENDED, ddi: "0800102" });
      assert.ok(ended.ok);
      const has = async (caller: string, event: string) =>
        (await callOf(first, caller)).some((e) => e.endsWith(event));
      await waitUntil(
        async () => await has(SURVIVOR, "RINGING") && await has(ENDED, "RINGING"),
        30_000,
        () => "both calls ringing in the records",
        100,
      );
      assert.ok(sim.engine.answerCall({ callId: survivor.value.callId, device: "101" }).ok);
      assert.ok(sim.engine.answerCall({ callId: ended.value.callId, device: "102" }).ok);
      await waitUntil(
        async () => await has(SURVIVOR, "ANSWERED") && await has(ENDED, "ANSWERED"),
        30_000,
        () => "both calls answered in the records",
        100,
      );
      await box.stop("SIGKILL");
      box = undefined;

      // While cstabox is down, one call ends at the PBX.
      assert.ok(sim.engine.clearCall({ callId: ended.value.callId, device: "102" }).ok);
      box = await startCstabox(args, { timeoutMs: 30_000 });
      const second = box;
      let seen: string[] = [];
      await waitUntil(
        async () => (seen = await callOf(second, ENDED)).some((e) => e.endsWith("DISCONNECTED")),
        30_000,
        () => `the call that ended while cstabox was down: ${seen.join(", ")}`,
        100,
      );
      // The surviving call ends now, with cstabox following it again.
      await waitUntil(
        async () => (await tracker(second)).lastResync != null,
        30_000,
        () => "no re-sync after the restart",
        100,
      );
      assert.ok(sim.engine.clearCall({ callId: survivor.value.callId, device: "101" }).ok);
      await waitUntil(
        async () => (seen = await callOf(second, SURVIVOR)).some((e) => e.endsWith("DISCONNECTED")),
        30_000,
        () => `the surviving call: ${seen.join(", ")}`,
        100,
      );

      for (const caller of [ENDED, SURVIVOR]) {
        const events = await callOf(second, caller);
        const ids = new Set(events.map((e) => e.split(" ")[0]));
        assert.equal(ids.size, 1, `one call ID for every record of the call from ${caller}: ${events}`);
        assert.deepEqual(
          events.map((e) => e.split(" ")[1]),
          ["RINGING", "ANSWERED", "DISCONNECTED"],
          `the call from ${caller}`,
        );
      }
    } finally {
      await box?.stop("SIGKILL");
      await sim.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

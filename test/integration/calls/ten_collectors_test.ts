// Issue 9 acceptance: ten local collectors receive identical streams of records made from simulator
// traffic; one that stops reading is disconnected and the other nine miss nothing.

import assert from "node:assert/strict";
import { waitUntil } from "../../support/wait_until.ts";
import { connectCollector, type LocalCollector } from "../smdr/collectors.ts";
import { type StalledCollector, stalledCollector } from "../smdr/stalled_collector.ts";
import { trackerRig } from "./tracker_rig.ts";

Deno.test({
  name:
    "ten collectors get the records of simulator traffic; one that stops reading is cut off, the nine miss nothing",
  sanitizeResources: false,
  async fn() {
    const rig = await trackerRig({
      seedPlan: false,
      simulator: { plan: { extensions: "1000-1399", trunks: 400 } },
      // The queue bound cuts the stalled collector; the drain timeout is the product's 30 s. Once, under
      // load, all ten collectors were cut (slowDisconnects 10 after 19,304 records): this process, readers
      // and writer alike, can stall for seconds, which a 3 s drain timeout or a burst of records made
      // late at 500 calls a second (past the readers' queue in one turn) turns into a cut-off.
      smdrTuning: { queueBytes: 64 * 1024 },
    });
    const progress = Array(9).fill(0);
    const mismatch: string[] = [];
    const readers: LocalCollector[] = [];
    let staller: StalledCollector | undefined;
    try {
      await waitUntil(() => rig.tracker.status().details?.monitoredLines === 802, 20_000, () => "monitors");
      for (let i = 0; i < 9; i++) {
        readers.push(
          await connectCollector(rig.smdrPort, (line) => {
            // Each reader checks, record by record, that it got exactly the next record stored.
            if (line !== rig.records[progress[i]] && mismatch.length < 5) {
              mismatch.push(`reader ${i} at ${progress[i]}: ${line}`);
            }
            progress[i]++;
          }),
        );
      }
      staller = await stalledCollector(rig.smdrPort);
      const slowDisconnects = () =>
        (rig.smdr.status().details!.local as { slowDisconnects: number }).slowDisconnects;
      const collectors = () =>
        (rig.smdr.status().details!.local as { collectors: unknown[] }).collectors.length;
      await waitUntil(() => collectors() === 10, 5_000, () => `${collectors()} collectors`);
      // 50 calls a second: a turn after a stall of a few seconds brings a few hundred records, under the
      // readers' 164 KB queue.
      rig.simulator.startTraffic({
        callsPerMinute: 3_000,
        seed: 9,
        talkMeanMs: 300,
        ringMs: [50, 300],
        abandonMs: 2_000,
        mix: { internal: 1, inbound: 5, outbound: 4 },
      });
      // The stalled collector's small socket buffers (about 44 KB) fill first, then its queue in cstabox
      // (164 KB: at least twice the 500-record history).
      await waitUntil(
        () => slowDisconnects() >= 1,
        120_000,
        () => `${rig.records.length} records, no cut-off ${JSON.stringify(rig.smdr.status().details!.local)}`,
      );
      const cutOffAfter = rig.records.length;
      // Records go on after the cut-off: the calls in progress end (DISCONNECTED) once traffic stops.
      await new Promise((r) => setTimeout(r, 500));
      rig.simulator.stopTraffic();
      for (const call of rig.simulator.engine.snapshot()) {
        rig.simulator.engine.clearCall({ callId: call.callId, device: call.connections[0].device });
      }
      await waitUntil(
        () => rig.tracker.calls().length === 0,
        10_000,
        () => `${rig.tracker.calls().length} calls`,
      );
      const total = rig.records.length;
      await waitUntil(
        () => progress.every((p) => p >= total),
        30_000,
        () => `readers at ${progress} of ${total}`,
      );
      assert.equal(slowDisconnects(), 1, "only the stalled collector was cut off");
      assert.deepEqual(mismatch, []);
      assert.deepEqual(progress, Array(9).fill(total));
      assert.equal(collectors(), 9);
      assert.ok(total > 100, `traffic made records (${total})`);
      console.log(`stalled collector cut off after ${cutOffAfter} records; ${total} records in all`);
    } finally {
      rig.simulator.stopTraffic();
      await staller?.close();
      for (const reader of readers) reader.close();
      await rig.close();
    }
  },
});

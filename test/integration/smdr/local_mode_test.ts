import { ListenError } from "../../../src/net/listen_error.ts";
import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { parseRecord } from "../../../src/smdr/record.ts";
import type { SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { SmdrService, type SmdrSettings } from "../../../src/smdr/smdr_service.ts";
import { openTempDatabase } from "../../support/temp_database.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { connectCollector, type LocalCollector, withTimeout } from "./collectors.ts";
import { stalledCollector } from "./stalled_collector.ts";

const base: SmdrEvent = {
  event: "RINGING",
  at: new Date(2026, 2, 9, 12, 0, 0),
  direction: "IN",
  callStart: new Date(2026, 2, 9, 12, 0, 0),
  callSerial: 0,
  trunk: "92108",
  extension: "1843",
  callerNumber: "07968543537",
  ddi: "441615550100",
};

/** The serial in a record's call ID: the test numbers its records 1, 2, 3, … */
const serialOf = (line: string) => Number(parseRecord(line).callId.slice(14));

async function localService(extra: Partial<SmdrSettings>, options: { queueBytes?: number } = {}) {
  const store = await openTempDatabase();
  const logLines: string[] = [];
  const settings: SmdrSettings = {
    ...defaultSettings().smdr,
    bind: "127.0.0.1",
    localPort: 0,
    pushEnabled: false,
    ...extra,
  };
  const service = new SmdrService({
    settings: () => settings,
    db: () => store.db,
    log: new Logger("smdr", { sink: (line) => logLines.push(line), format: "text" }),
    queueBytes: options.queueBytes,
    drainTimeoutMs: 3_000,
  });
  await service.start();
  const port = service.status().listeners![0].port;
  let serial = 0;
  const records: string[] = [];
  return {
    service,
    port,
    logLines,
    records,
    /** Submits `count` records numbered on from the last. */
    submit(count: number) {
      for (let i = 0; i < count; i++) {
        const result = service.submit({ ...base, callSerial: ++serial });
        assert.ok(result.ok);
        records.push(result.record);
      }
    },
    collectors: () => (service.status().details!.local as { collectors: unknown[] }).collectors.length,
    local: () =>
      service.status().details!.local as {
        refused: { notAllowed: number; tooMany: number };
        slowDisconnects: number;
      },
    async close() {
      await service.stop();
      await store.close();
    },
  };
}

Deno.test({
  name: "ten collectors get identical streams; one that stops reading is cut off and the nine miss nothing",
  sanitizeResources: false,
  async fn() {
    const smdr = await localService({ historySize: 10 }, { queueBytes: 64 * 1024 });
    // Every reader checks, record by record, that it got exactly the next record the service stored.
    const progress = Array(9).fill(0);
    const mismatch: string[] = [];
    const readers: LocalCollector[] = [];
    for (let i = 0; i < 9; i++) {
      readers.push(
        await connectCollector(smdr.port, (line) => {
          const expected = smdr.records[progress[i]];
          if (line !== expected && mismatch.length < 5) {
            mismatch.push(`reader ${i} at ${progress[i]}: ${line}`);
          }
          progress[i]++;
        }),
      );
    }
    // Never reads, with small socket buffers: a plain loopback socket let the kernel take 14,000-22,000
    // records first, which a loaded machine could not feed within the deadline.
    const staller = await stalledCollector(smdr.port);
    await waitUntil(
      () => smdr.collectors() === 10,
      5_000,
      () => `${smdr.collectors()} collectors connected`,
    );

    // Feed until the staller's kernel buffers (about 44 KB) and queue are full and it is cut off (bounded).
    const deadline = Date.now() + 60_000;
    while (smdr.local().slowDisconnects === 0) {
      assert.ok(
        Date.now() < deadline && smdr.records.length < 400_000,
        "the stalled collector was never cut off",
      );
      smdr.submit(50); // a few dozen per turn, as call events come; the queue bound is per turn of writes
      await new Promise((r) => setTimeout(r, 0));
    }
    smdr.submit(100);
    const total = smdr.records.length;
    await waitUntil(
      () => progress.every((p) => p >= total),
      30_000,
      () => `readers at ${progress.join(",")} of ${total}`,
    );
    assert.deepEqual(mismatch, []);
    assert.deepEqual(progress, Array(9).fill(total));
    assert.equal(smdr.collectors(), 9);
    assert.equal(smdr.local().slowDisconnects, 1);
    assert.ok(smdr.logLines.some((l) => l.includes("SMDR collector disconnected: it stopped reading")));
    console.log(`stalled collector cut off after ${total - 100} records`);
    await staller.close();
    for (const reader of readers) reader.close();
    await smdr.close();
  },
});

Deno.test("a collector that connects gets the replay history first, then live records", async () => {
  const smdr = await localService({ historySize: 10 });
  smdr.submit(25);
  const collector = await connectCollector(smdr.port);
  await collector.waitFor(10);
  assert.deepEqual(collector.lines.map(serialOf), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  smdr.submit(2);
  await collector.waitFor(12);
  assert.deepEqual(collector.lines.slice(10).map(serialOf), [26, 27]);
  assert.ok(collector.lines.every((line) => line.length === 162));
  collector.close();
  await smdr.close();
});

Deno.test("status lists each collector with address, since and records sent", async () => {
  const smdr = await localService({ historySize: 10 });
  smdr.submit(3);
  const collector = await connectCollector(smdr.port);
  await collector.waitFor(3);
  const sent = () =>
    (smdr.service.status().details!.local as {
      collectors: { address: string; sent: number; since: string }[];
    })
      .collectors;
  await waitUntil(() => sent()[0]?.sent === 3, 2_000, () => JSON.stringify(sent()));
  assert.equal(sent()[0].address, "127.0.0.1");
  assert.ok(!Number.isNaN(Date.parse(sent()[0].since)));
  collector.close();
  await smdr.close();
});

Deno.test("a source outside the allow-list is refused at accept, with the reason logged", async () => {
  const smdr = await localService({ allowedSources: ["10.9.9.9", "192.168.0.0/16"] });
  smdr.submit(3);
  const refused = await connectCollector(smdr.port);
  await withTimeout(refused.ended, 5_000, () => "the refused connection stayed open");
  assert.deepEqual(refused.lines, [], "no record reaches a refused source");
  assert.equal(smdr.local().refused.notAllowed, 1);
  assert.ok(
    smdr.logLines.some((l) =>
      l.includes("SMDR collector refused") && l.includes("source address not in smdr.allowedSources")
    ),
  );
  await smdr.close();
});

Deno.test("collectors beyond maxCollectors are refused and those connected carry on", async () => {
  const smdr = await localService({ maxCollectors: 2, historySize: 10 });
  const first = await connectCollector(smdr.port);
  const second = await connectCollector(smdr.port);
  await waitUntil(() => smdr.collectors() === 2, 5_000, () => `${smdr.collectors()} collectors`);
  const third = await connectCollector(smdr.port);
  await withTimeout(third.ended, 5_000, () => "the third connection stayed open");
  assert.equal(smdr.local().refused.tooMany, 1);
  assert.ok(smdr.logLines.some((l) => l.includes("already 2 collectors (smdr.maxCollectors)")));
  smdr.submit(4);
  await first.waitFor(4);
  await second.waitFor(4);
  assert.deepEqual(first.lines, second.lines);
  first.close();
  second.close();
  await smdr.close();
});

Deno.test("reconfigure moves the listener to a new port and drops collectors the new allow-list refuses", async () => {
  const smdr = await localService({ historySize: 10 });
  const collector = await connectCollector(smdr.port);
  await waitUntil(() => smdr.collectors() === 1, 5_000, () => "collector not connected");
  await smdr.service.reconfigure({ ...smdr.service.settings, allowedSources: ["10.0.0.1"] });
  await withTimeout(collector.ended, 5_000, () => "collector still connected");
  assert.ok(smdr.logLines.some((l) => l.includes("no longer in smdr.allowedSources")));
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const freePort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await smdr.service.reconfigure({ ...smdr.service.settings, allowedSources: [], localPort: freePort });
  const newPort = smdr.service.status().listeners![0].port;
  assert.equal(newPort, freePort);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: smdr.port }),
    Deno.errors.ConnectionRefused,
  );
  smdr.submit(1);
  const again = await connectCollector(newPort);
  await again.waitFor(1);
  again.close();
  await smdr.close();
});

Deno.test("a taken local port fails the start with the reason, and records made meanwhile are kept", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const store = await openTempDatabase();
  const settings: SmdrSettings = {
    ...defaultSettings().smdr,
    bind: "127.0.0.1",
    localPort: port,
    pushEnabled: false,
  };
  const service = new SmdrService({
    settings: () => settings,
    db: () => store.db,
    log: new Logger("smdr", { sink: () => {} }),
  });
  await assert.rejects(service.start(), ListenError);
  assert.equal(service.status().state, "failed");
  assert.equal(
    service.status().reason,
    `port ${port} is already in use by another program (127.0.0.1:${port})`,
  );
  assert.ok(service.submit({ ...base, callSerial: 1 }).ok);
  taken.close();
  await service.start();
  const collector = await connectCollector(port);
  await collector.waitFor(1);
  assert.equal(serialOf(collector.lines[0]), 1);
  collector.close();
  await service.stop();
  await store.close();
});

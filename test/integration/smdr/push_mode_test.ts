import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { parseRecord } from "../../../src/smdr/record.ts";
import type { SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { SmdrService, type SmdrSettings } from "../../../src/smdr/smdr_service.ts";
import { openTempDatabase } from "../../support/temp_database.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { PushCollector } from "./collectors.ts";

const base: SmdrEvent = {
  event: "CONNECTED",
  at: new Date(2026, 2, 9, 12, 0, 0),
  direction: "OUT",
  callStart: new Date(2026, 2, 9, 12, 0, 0),
  callSerial: 0,
  trunk: "92808",
  extension: "1843",
  callerNumber: "07968543537",
};

const serialOf = (line: string) => line === "" ? 0 : Number(parseRecord(line).callId.slice(14));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function pushService(collectorPort: number, storeDir?: Awaited<ReturnType<typeof openTempDatabase>>) {
  const store = storeDir ?? await openTempDatabase();
  const settings: SmdrSettings = {
    ...defaultSettings().smdr,
    localEnabled: false,
    pushEnabled: true,
    pushHost: "127.0.0.1",
    pushPort: collectorPort,
  };
  const service = new SmdrService({
    settings: () => settings,
    db: () => store.db,
    log: new Logger("smdr", { sink: () => {} }),
    push: { settleMs: 200, backoff: { minMs: 100, maxMs: 400 } },
  });
  await service.start();
  return { service, store };
}

Deno.test("push: records made while the collector is down arrive in order when it comes back", async () => {
  const collector = new PushCollector();
  collector.up();
  const port = collector.port;
  await collector.down();
  const { service, store } = await pushService(port);
  let serial = 0;
  for (let i = 0; i < 50; i++) service.submit({ ...base, callSerial: ++serial });
  await waitUntil(
    () => service.status().state === "degraded",
    5_000,
    () => JSON.stringify(service.status()),
  );
  assert.match(
    service.status().reason!,
    /push collector 127.0.0.1:\d+ unreachable: .*refused/i,
    service.status().reason,
  );
  assert.equal(service.status().details!.backlog, 50);
  collector.up(port);
  for (let i = 0; i < 50; i++) service.submit({ ...base, callSerial: ++serial });
  await collector.until(() => collector.all().length >= 100, 10_000, () => `${collector.all().length} lines`);
  assert.deepEqual(collector.all().map(serialOf), range(1, 100));
  await waitUntil(() => service.status().details!.backlog === 0, 5_000, () => "backlog not acknowledged");
  assert.equal(service.status().state, "running");
  await service.stop();
  await collector.down();
  await store.close();
});

Deno.test("push: a collector that goes away mid-stream gets, on its return, no gap: at most the unsettled tail again", async () => {
  const collector = new PushCollector();
  collector.up();
  const { service, store } = await pushService(collector.port);
  let serial = 0;
  const feed = (n: number) => {
    for (let i = 0; i < n; i++) service.submit({ ...base, callSerial: ++serial });
  };
  feed(30);
  await collector.until(() => collector.all().length >= 30, 10_000, () => `${collector.all().length} lines`);
  feed(5);
  await collector.down();
  feed(40);
  collector.up();
  await collector.until(
    () => collector.connections.length === 2 && serialOf(collector.connections[1].at(-1) ?? "") === 75,
    10_000,
    () => `connections ${collector.connections.map((c) => c.length)}`,
  );
  const [first, second] = collector.connections.map((lines) => lines.map(serialOf));
  assert.deepEqual(first, range(1, first.length), "the first connection got a gap-free prefix");
  assert.ok(second[0] <= first.length + 1, `no gap: second starts at ${second[0]} after ${first.length}`);
  assert.deepEqual(second, range(second[0], 75), "the second connection runs on in order to the end");
  await service.stop();
  await collector.down();
  await store.close();
});

/** A push collector, a service pushing to it, and `feed(n)` to make n records numbered on. */
async function connectedPush() {
  const collector = new PushCollector();
  collector.up();
  const port = collector.port;
  const { service, store } = await pushService(port);
  let serial = 0;
  const feed = (n: number) => {
    for (let i = 0; i < n; i++) service.submit({ ...base, callSerial: ++serial });
  };
  return { collector, port, service, store, feed };
}

Deno.test("push: a collector that hangs, then is killed, loses nothing: what it never read is sent again", async () => {
  const { collector, port, service, store, feed } = await connectedPush();
  feed(20);
  await collector.until(() => collector.all().length >= 20, 10_000, () => `${collector.all().length} lines`);
  // The collector process hangs with its connection open: the kernel takes what cstabox writes, the
  // connection stays healthy well past the settle time (200 ms here), and nobody reads.
  collector.hang();
  feed(74);
  await new Promise((r) => setTimeout(r, 1_000));
  // Killed: its connection closes with those records unread.
  await collector.down();
  collector.up(port);
  feed(5);
  await collector.until(
    () => serialOf(collector.connections.at(-1)?.at(-1) ?? "") === 99,
    10_000,
    () => `connections ${collector.connections.map((c) => c.length)}`,
  );
  const received = new Set(collector.all().map(serialOf));
  const missing = range(1, 99).filter((s) => !received.has(s));
  assert.deepEqual(missing, [], `${missing.length} records never reached the collector`);
  const last = collector.connections.at(-1)!.map(serialOf);
  assert.deepEqual(last, range(last[0], 99), "the new connection runs on in order to the end");
  await service.stop();
  await collector.down();
  await store.close();
});

Deno.test("push: a collector that read everything and closed cleanly is sent nothing again on its return", async () => {
  const { collector, port, service, store, feed } = await connectedPush();
  feed(30);
  await collector.until(() => collector.all().length >= 30, 10_000, () => `${collector.all().length} lines`);
  // It read all 30: its close is a FIN (with unread bytes the kernel would reset the connection instead).
  await collector.down();
  await waitUntil(
    () => service.status().details!.readPosition === 30,
    5_000,
    () => `read position ${service.status().details!.readPosition}`,
  );
  collector.up(port);
  feed(5);
  await collector.until(
    () => serialOf(collector.connections.at(-1)?.at(-1) ?? "") === 35,
    10_000,
    () => `connections ${collector.connections.map((c) => c.length)}`,
  );
  assert.deepEqual(collector.connections.at(-1)!.map(serialOf), range(31, 35), "no record twice");
  await service.stop();
  await collector.down();
  await store.close();
});

// Suite smdr: records per second formatted, and formatted + committed to the outbox + delivered to 10
// local collectors over real sockets, with the CPU it took, against writing the same bytes to one socket.

import { cpuUsage } from "node:process";
import { join } from "node:path";
import { Logger } from "../../src/log/logger.ts";
import { QueuedWriter } from "../../src/net/queued_writer.ts";
import { defaultSettings } from "../../src/settings/schema.ts";
import { formatRecord, RECORD_LINE_END, RECORD_WIRE_BYTES } from "../../src/smdr/record.ts";
import type { SmdrEvent } from "../../src/smdr/smdr_event.ts";
import { SmdrService } from "../../src/smdr/smdr_service.ts";
import { openDatabase } from "../../src/store/database.ts";
import { FULL_RUN, measureRate, QUICK_RUN } from "./measure.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "smdr";
const COLLECTORS = 10;
/**
 * Records handed over per event-loop turn. A PBX's events arrive a few at a time; batches of this size
 * keep the run from measuring timer pacing (a turn with a timer costs about 1 ms here) instead of work.
 */
const PER_TURN = 200;
/** The rate a large site needs with room to spare (a PBX with 1000 lines produces far fewer). */
const REQUIRED_RECORDS_PER_SECOND = 1_000;

const event: SmdrEvent = {
  event: "CONNECTED",
  at: new Date(2026, 2, 9, 12, 0, 0),
  direction: "IN",
  callStart: new Date(2026, 2, 9, 11, 59, 30),
  callSerial: 0,
  trunk: "92108",
  extension: "1843",
  callerNumber: "07968543537",
  ddi: "441615550100",
  contactName: "CHRIS R MOBILE",
  ddiName: "CHRIS DID",
};

interface Delivery {
  records: number;
  wallMs: number;
  /** CPU of this process (user + system), collectors' reading included, in microseconds. */
  cpuUs: number;
}

/** Reads a connection to the end, counting bytes; resolves when `expected` bytes have arrived. */
function countingReader(
  conn: Deno.Conn,
  expected: () => number,
): { done: Promise<void>; bytes: () => number } {
  let bytes = 0;
  const done = (async () => {
    const buffer = new Uint8Array(256 * 1024);
    while (bytes < expected()) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection ended after ${bytes} of ${expected()} bytes`);
      bytes += n;
    }
  })();
  return { done, bytes: () => bytes };
}

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Times `feed` (which hands records over `PER_TURN` at a time) until every reader has everything. */
async function timeDelivery(records: number, feed: (count: number) => void, readers: Promise<void>[]) {
  const cpuBefore = cpuUsage();
  const start = performance.now();
  for (let sent = 0; sent < records; sent += PER_TURN) {
    feed(Math.min(PER_TURN, records - sent));
    await turn();
  }
  await Promise.all(readers);
  const wallMs = performance.now() - start;
  const cpu = cpuUsage(cpuBefore);
  return { records, wallMs, cpuUs: cpu.user + cpu.system };
}

/** Baseline: the same record bytes written through one QueuedWriter to one socket, read by one reader. */
async function oneSocket(records: number): Promise<Delivery> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port });
  const server = await listener.accept();
  const bytes = new TextEncoder().encode(formatRecord(event, { padding: "0" }) + RECORD_LINE_END);
  const writer = new QueuedWriter(server, {
    maxQueuedBytes: 64 * 1024 * 1024,
    drainTimeoutMs: 60_000,
    onFailure: (failure) => {
      throw new Error(`baseline writer failed: ${failure.kind}`);
    },
  });
  const reader = countingReader(client, () => records * RECORD_WIRE_BYTES);
  const result = await timeDelivery(records, (count) => {
    for (let i = 0; i < count; i++) writer.enqueue(bytes);
  }, [reader.done]);
  writer.close();
  client.close();
  server.close();
  listener.close();
  return result;
}

/** The product path: SmdrService.submit (check, format, commit to SQLite) to 10 local collectors. */
async function tenCollectors(records: number, collectors = COLLECTORS): Promise<Delivery> {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-bench-smdr-" });
  const db = openDatabase(join(dir, "cstabox.db"));
  const settings = {
    ...defaultSettings().smdr,
    bind: "127.0.0.1",
    localPort: 0,
    pushEnabled: false,
    historySize: 10,
  };
  const service = new SmdrService({
    settings: () => settings,
    db: () => db,
    log: new Logger("smdr", { sink: () => {} }),
    queueBytes: 16 * 1024 * 1024,
  });
  try {
    await service.start();
    const port = service.status().listeners![0].port;
    const conns = await Promise.all(
      Array.from({ length: collectors }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    while ((service.status().details!.local as { collectors: unknown[] }).collectors.length < collectors) {
      await turn();
    }
    const readers = conns.map((conn) => countingReader(conn, () => records * RECORD_WIRE_BYTES).done);
    let serial = 0;
    const result = await timeDelivery(records, (count) => {
      for (let i = 0; i < count; i++) {
        const submitted = service.submit({ ...event, callSerial: ++serial });
        if (!submitted.ok) throw new Error(`submit failed: ${submitted.message}`);
      }
    }, readers);
    for (const conn of conns) conn.close();
    return result;
  } finally {
    await service.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function addDelivery(report: BenchReport, name: string, d: Delivery, baseline: Delivery): void {
  const rate = d.records / (d.wallMs / 1000);
  const baselineRate = baseline.records / (baseline.wallMs / 1000);
  report.add({
    suite: SUITE,
    case: name,
    value: rate,
    unit: "records/s",
    ratioToBaseline: rate / baselineRate,
  });
  const cpuPerRecord = d.cpuUs / d.records;
  report.add({
    suite: SUITE,
    case: `${name}: CPU per record`,
    value: cpuPerRecord,
    unit: "us CPU/record",
    ratioToBaseline: cpuPerRecord / (baseline.cpuUs / baseline.records),
  });
  report.add({
    suite: SUITE,
    case: `${name}: CPU load`,
    value: (100 * d.cpuUs) / 1000 / d.wallMs,
    unit: "% of a core",
  });
}

/** Runs the suite: formatting alone, then delivery to one socket (baseline) and to ten collectors. */
export async function run(report: BenchReport): Promise<void> {
  const records = report.quick ? 2_000 : 20_000;
  let serial = 0;
  const formatRate = measureRate(
    () => formatRecord({ ...event, callSerial: ++serial }, { padding: "0" }),
    report.quick ? QUICK_RUN : FULL_RUN,
  );
  report.add({ suite: SUITE, case: "formatRecord", value: formatRate, unit: "records/s" });

  await oneSocket(Math.min(records, 2_000)); // warm-up of sockets and writer
  const baseline = await oneSocket(records);
  const stored = await tenCollectors(records, 0);
  const ten = await tenCollectors(records);
  addDelivery(report, "same bytes to 1 socket (baseline)", baseline, baseline);
  addDelivery(report, "submit -> SQLite, no collector", stored, baseline);
  addDelivery(report, `submit -> SQLite -> ${COLLECTORS} collectors`, ten, baseline);
  const rate = ten.records / (ten.wallMs / 1000);
  report.check(
    SUITE,
    `records committed and delivered to ${COLLECTORS} collectors at >= ${REQUIRED_RECORDS_PER_SECOND}/s`,
    rate >= REQUIRED_RECORDS_PER_SECOND,
    `${Math.round(rate)} records/s, ${(ten.cpuUs / ten.records).toFixed(1)} us CPU per record`,
  );
}

if (import.meta.main) {
  const { BenchReport } = await import("./report.ts");
  const report = new BenchReport({ quick: Deno.args.includes("--quick") });
  await run(report);
  console.log(report.table());
}

// Suite calls: SMDR records per second from simulator traffic. Baseline: the same traffic with the call
// model fed in-process from the engine (no sockets, no store). Product: the simulator over TCP, PbxLink,
// Switchboard, CallTracker, SQLite and 10 local collectors. Plus the call model alone on recorded events.

import { cpuUsage } from "node:process";
import { join } from "node:path";
import { CallModel } from "../../src/calls/call_model.ts";
import { CallTracker } from "../../src/calls/call_tracker.ts";
import type { PartyDirectory } from "../../src/calls/party.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";
import type { CstaEvent } from "../../src/csta/event_report.ts";
import { decodeEventReport, eventReportArgument } from "../../src/csta/event_report.ts";
import { LineRepository } from "../../src/lines/line_repository.ts";
import { Logger } from "../../src/log/logger.ts";
import { PbxLink } from "../../src/pbx/pbx_link.ts";
import { defaultSettings } from "../../src/settings/schema.ts";
import { CallEngine } from "../../src/sim/call_engine.ts";
import { DeviceAddressing } from "../../src/sim/device_addressing.ts";
import { DevicePlan, type DevicePlanOptions } from "../../src/sim/device_plan.ts";
import { cstaEventFor } from "../../src/sim/event_builder.ts";
import { SimulatorService } from "../../src/sim/sim_service.ts";
import { TrafficGenerator, type TrafficOptions } from "../../src/sim/traffic.ts";
import { RECORD_WIRE_BYTES } from "../../src/smdr/record.ts";
import { SmdrService } from "../../src/smdr/smdr_service.ts";
import { openDatabase } from "../../src/store/database.ts";
import { DeviceDirectory } from "../../src/switchboard/device_directory.ts";
import { Switchboard } from "../../src/switchboard/switchboard.ts";
import { pbxLinkEventsFor } from "../../src/switchboard/pbx_link_events.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "calls";
const COLLECTORS = 10;
/** A site with many busy CO lines: 400 extensions, 400 trunks (every line monitored: 802 monitors). */
const PLAN: DevicePlanOptions = { extensions: "1000-1399", trunks: 400 };
/** Short calls at a high rate, so the load is calls, not waiting: the simulator offers 500 calls/s. */
const TRAFFIC: TrafficOptions = {
  callsPerMinute: 30_000,
  seed: 9,
  talkMeanMs: 300,
  ringMs: [50, 300],
  abandonMs: 2_000,
  mix: { internal: 1, inbound: 5, outbound: 4 },
};
/** What a large site needs: a 1000-line PBX at its busiest makes a few dozen records a second. */
const REQUIRED_RECORDS_PER_SECOND = 100;

interface Run {
  records: number;
  events: number;
  wallMs: number;
  /** CPU of this process (user + system) in microseconds: simulator, cstabox and collectors together. */
  cpuUs: number;
}

const silent = new Logger("bench", { sink: () => {} });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function planDirectory(plan: DevicePlan): PartyDirectory {
  return {
    kindOf: (number) => plan.device(number)?.kind ?? "external",
    numberOfDevice: (n) => plan.deviceByNumber(n)?.number,
  };
}

/** Baseline: the traffic on the real clock, every event of every device straight into the call model. */
async function inProcess(seconds: number): Promise<Run> {
  const plan = DevicePlan.build(PLAN);
  const engine = new CallEngine({ plan, clock: systemClock });
  const addressing = new DeviceAddressing(plan);
  const model = new CallModel({
    directory: planDirectory(plan),
    outsideLineAccess: () => plan.outsideLineCode,
  });
  let records = 0;
  let events = 0;
  engine.subscribe((fact) => {
    if (fact.kind !== "event") return;
    for (const observer of fact.observers) {
      const event = cstaEventFor(fact.event, observer, fact.callId, addressing);
      if (!event) continue;
      events++;
      records += model.apply(event, new Date(), observer.device).length;
    }
  });
  const traffic = new TrafficGenerator(engine, systemClock, TRAFFIC);
  const cpuBefore = cpuUsage();
  const start = performance.now();
  traffic.start();
  await sleep(seconds * 1000);
  traffic.stop();
  const wallMs = performance.now() - start;
  const cpu = cpuUsage(cpuBefore);
  return { records, events, wallMs, cpuUs: cpu.user + cpu.system };
}

/** The product path, with 10 collectors counting the bytes they read. */
async function endToEnd(seconds: number): Promise<Run> {
  const simulator = new SimulatorService({ plan: PLAN, keepaliveSeconds: 0, remoteParties: false });
  await simulator.start();
  const dir = await Deno.makeTempDir({ prefix: "cstabox-bench-calls-" });
  const db = openDatabase(join(dir, "cstabox.db"));
  const lines = new LineRepository(() => db);
  for (const device of simulator.plan.devices()) {
    lines.put({ number: device.number, kind: device.kind, deviceNumber: device.deviceNumber });
  }
  const link = new PbxLink({
    log: silent,
    settings: () => ({
      host: simulator.hostname,
      port: simulator.port,
      livenessTimeoutSeconds: 300,
      reconnectMinSeconds: 0.1,
      reconnectMaxSeconds: 1,
      requestTimeoutSeconds: 10,
      maxFrameBytes: 65535,
    }),
    events: pbxLinkEventsFor(() => switchboard),
  });
  const switchboard: Switchboard = new Switchboard({
    upstream: link,
    log: silent,
    directory: new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 10,
      requestsInFlightPerApplication: 256,
      malformedFramesBeforeClose: 10,
    }),
  });
  let port = 0;
  const smdr = new SmdrService({
    settings: () => ({ ...defaultSettings().smdr, bind: "127.0.0.1", localPort: 0, historySize: 10 }),
    db: () => db,
    log: silent,
    queueBytes: 64 * 1024 * 1024,
    onListen: (info) => (port = info.port),
  });
  const tracker = new CallTracker({
    switchboard,
    smdr,
    lines: () => lines.list(),
    outsideLineAccess: () => simulator.plan.outsideLineCode,
    log: silent,
  });
  const conns: Deno.TcpConn[] = [];
  try {
    await smdr.start();
    await link.start();
    await tracker.start();
    const monitors = simulator.plan.devices().length;
    while ((tracker.status().details?.monitoredLines as number) < monitors) await sleep(50);
    for (let i = 0; i < COLLECTORS; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    const read = conns.map(() => 0);
    const readers = conns.map(async (conn, i) => {
      const buffer = new Uint8Array(256 * 1024);
      for (;;) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) return;
        read[i] += n;
      }
    });
    const produced = () => (tracker.status().details?.recordsProduced as number) ?? 0;
    const eventsSeen = () => (tracker.status().details?.eventsSeen as number) ?? 0;
    const [records0, events0] = [produced(), eventsSeen()];
    const cpuBefore = cpuUsage();
    const start = performance.now();
    simulator.startTraffic(TRAFFIC);
    await sleep(seconds * 1000);
    simulator.stopTraffic();
    const records = produced() - records0;
    // Delivered: every collector has read every record made in the run.
    const target = produced() * RECORD_WIRE_BYTES;
    while (read.some((bytes) => bytes < target)) await sleep(5);
    const wallMs = performance.now() - start;
    const cpu = cpuUsage(cpuBefore);
    for (const conn of conns) conn.close();
    await Promise.all(readers);
    return { records, events: eventsSeen() - events0, wallMs, cpuUs: cpu.user + cpu.system };
  } finally {
    await tracker.stop();
    await link.stop();
    await smdr.stop();
    await simulator.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The events of a stretch of traffic on a manual clock, as they arrive decoded from the wire. */
function recordedEvents(): { events: [CstaEvent, string][]; plan: DevicePlan } {
  const plan = DevicePlan.build(PLAN);
  const clock = new ManualClock();
  const engine = new CallEngine({ plan, clock });
  const addressing = new DeviceAddressing(plan);
  const events: [CstaEvent, string][] = [];
  engine.subscribe((fact) => {
    if (fact.kind !== "event") return;
    for (const observer of fact.observers) {
      const event = cstaEventFor(fact.event, observer, fact.callId, addressing);
      if (!event) continue;
      const bytes = eventReportArgument.encode({ crossRefIdentifier: Uint8Array.of(0, 0, 0, 1), event });
      events.push([decodeEventReport(bytes).event, observer.device]);
    }
  });
  const traffic = new TrafficGenerator(engine, clock, TRAFFIC);
  traffic.start();
  for (let second = 0; second < 20; second++) clock.advance(1000);
  traffic.stop();
  return { events, plan };
}

function addRun(report: BenchReport, name: string, run: Run, baseline: Run): void {
  const rate = run.records / (run.wallMs / 1000);
  const baseRate = baseline.records / (baseline.wallMs / 1000);
  report.add({ suite: SUITE, case: name, value: rate, unit: "records/s", ratioToBaseline: rate / baseRate });
  const cpuPerRecord = run.cpuUs / Math.max(1, run.records);
  report.add({
    suite: SUITE,
    case: `${name}: CPU per record`,
    value: cpuPerRecord,
    unit: "us CPU/record",
    ratioToBaseline: cpuPerRecord / (baseline.cpuUs / Math.max(1, baseline.records)),
  });
  report.add({
    suite: SUITE,
    case: `${name}: CPU load`,
    value: (100 * run.cpuUs) / 1000 / run.wallMs,
    unit: "% of a core",
  });
  report.add({
    suite: SUITE,
    case: `${name}: events`,
    value: run.events / (run.wallMs / 1000),
    unit: "events/s",
  });
}

/** Runs the suite. */
export async function run(report: BenchReport): Promise<void> {
  const seconds = report.quick ? 4 : 20;
  const { events, plan } = recordedEvents();
  let records = 0;
  const modelRuns = report.quick ? 1 : 5;
  const modelStart = performance.now();
  for (let i = 0; i < modelRuns; i++) {
    const model = new CallModel({
      directory: planDirectory(plan),
      outsideLineAccess: () => plan.outsideLineCode,
    });
    const at = new Date();
    for (const [event, observer] of events) records += model.apply(event, at, observer).length;
  }
  const modelSeconds = (performance.now() - modelStart) / 1000;
  report.add({
    suite: SUITE,
    case: `CallModel.apply alone (${events.length} recorded events)`,
    value: (events.length * modelRuns) / modelSeconds,
    unit: "events/s",
  });
  report.add({
    suite: SUITE,
    case: "CallModel.apply alone: records",
    value: records / modelSeconds,
    unit: "records/s",
  });

  const baseline = await inProcess(seconds);
  const product = await endToEnd(seconds);
  addRun(report, "traffic -> call model in-process (baseline)", baseline, baseline);
  addRun(
    report,
    `traffic -> TCP -> Switchboard -> CallTracker -> SQLite -> ${COLLECTORS} collectors`,
    product,
    baseline,
  );
  const rate = product.records / (product.wallMs / 1000);
  report.check(
    SUITE,
    `records from simulator traffic delivered to ${COLLECTORS} collectors at >= ${REQUIRED_RECORDS_PER_SECOND}/s`,
    rate >= REQUIRED_RECORDS_PER_SECOND,
    `${Math.round(rate)} records/s, ${
      (product.cpuUs / Math.max(1, product.records)).toFixed(0)
    } us CPU per record ` +
      `(simulator included)`,
  );
}

if (import.meta.main) {
  const { BenchReport } = await import("./report.ts");
  const report = new BenchReport({ quick: Deno.args.includes("--quick") });
  await run(report);
  console.log(report.table());
}

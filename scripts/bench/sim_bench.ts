// Suite sim: the simulator's random traffic at 100 calls per second in real time, first with the call
// engine alone (baseline), then through the whole path (EventReports encoded and sent over TCP to a client
// that monitors every device and answers CDR reports), with the event rate and the CPU it took.

import { cpuUsage } from "node:process";
import { panasonicAarq } from "../../src/csta/acse.ts";
import { encodeFrame, FrameReassembler } from "../../src/csta/framing.ts";
import { encodeTypedInvoke } from "../../src/csta/operations.ts";
import { peekApdu } from "../../src/csta/peek.ts";
import { CstaDecodeError } from "../../src/csta/decode_error.ts";
import { dialingNumber } from "../../src/csta/device_id.ts";
import { encodeReturnResult, NO_DATA } from "../../src/csta/rose.ts";
import { CallEngine } from "../../src/sim/call_engine.ts";
import { DevicePlan, type DevicePlanOptions } from "../../src/sim/device_plan.ts";
import { SimulatorService } from "../../src/sim/sim_service.ts";
import { TrafficGenerator, type TrafficOptions } from "../../src/sim/traffic.ts";
import { systemClock } from "../../src/clock.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "sim";
const CALLS_PER_SECOND = 100;
/** Enough extensions and CO lines that 100 calls/s of ~8 s each rarely find everything busy. */
const PLAN: DevicePlanOptions = { extensions: "1000-2999", trunks: 600 };
const TRAFFIC: TrafficOptions = {
  callsPerMinute: CALLS_PER_SECOND * 60,
  seed: 42,
  talkMeanMs: 5000,
  ringMs: [500, 2000],
  abandonMs: 10_000,
};

interface RunFigures {
  seconds: number;
  offered: number;
  started: number;
  facts: number;
  eventReports: number;
  bytes: number;
  cdrReports: number;
  cpuUs: number;
  /** Largest delay of a 100 ms heartbeat timer: how late the event loop ran. */
  maxLagMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `seconds` of traffic, measuring CPU and timer lag around it. */
async function measure(
  seconds: number,
  traffic: TrafficGenerator,
  counters: () => Omit<RunFigures, "seconds" | "offered" | "started" | "cpuUs" | "maxLagMs">,
): Promise<RunFigures> {
  let maxLagMs = 0;
  let expected = performance.now() + 100;
  const heartbeat = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - expected);
    expected = now + 100;
  }, 100);
  const before = counters();
  const cpuBefore = cpuUsage();
  const start = performance.now();
  traffic.start();
  await sleep(seconds * 1000);
  traffic.stop();
  const wall = (performance.now() - start) / 1000;
  const cpu = cpuUsage(cpuBefore);
  clearInterval(heartbeat);
  const after = counters();
  return {
    seconds: wall,
    offered: traffic.stats.offered,
    started: traffic.stats.started,
    facts: after.facts - before.facts,
    eventReports: after.eventReports - before.eventReports,
    bytes: after.bytes - before.bytes,
    cdrReports: after.cdrReports - before.cdrReports,
    cpuUs: cpu.user + cpu.system,
    maxLagMs,
  };
}

/** Baseline: the engine and the traffic generator, no association, no encoding. */
async function engineOnly(seconds: number): Promise<RunFigures> {
  const plan = DevicePlan.build(PLAN);
  const engine = new CallEngine({ plan, clock: systemClock });
  let facts = 0;
  engine.subscribe(() => facts++);
  const traffic = new TrafficGenerator(engine, systemClock, TRAFFIC);
  return await measure(seconds, traffic, () => ({ facts, eventReports: 0, bytes: 0, cdrReports: 0 }));
}

/** A bare client: associates, monitors every device, starts CDR, counts what arrives, answers what must be. */
class CountingClient {
  eventReports = 0;
  bytes = 0;
  cdrReports = 0;
  results = 0;
  readonly #conn: Deno.TcpConn;
  readonly #done: Promise<void>;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#done = this.#read();
  }

  static async connect(port: number): Promise<CountingClient> {
    return new CountingClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async send(apdu: Uint8Array): Promise<void> {
    const frame = encodeFrame(apdu);
    let offset = 0;
    while (offset < frame.length) offset += await this.#conn.write(frame.subarray(offset));
  }

  async waitForResults(count: number): Promise<void> {
    const until = performance.now() + 60_000;
    while (this.results < count) {
      if (performance.now() > until) throw new Error(`only ${this.results} of ${count} results arrived`);
      await sleep(5);
    }
  }

  close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    return this.#done;
  }

  async #read(): Promise<void> {
    const reassembler = new FrameReassembler();
    const buffer = new Uint8Array(256 * 1024);
    const answers: Uint8Array[] = [];
    try {
      for (;;) {
        const n = await this.#conn.read(buffer);
        if (n === null) return;
        this.bytes += n;
        reassembler.push(buffer.subarray(0, n), (apdu) => {
          const value = peekApdu(apdu);
          if (value instanceof CstaDecodeError) return;
          if (value.kind === "returnResult") this.results++;
          if (value.kind !== "invoke") return;
          if (value.opcode === 21) this.eventReports++;
          if (value.opcode === 211 || value.opcode === 361) {
            if (value.opcode === 361) this.cdrReports++;
            answers.push(encodeReturnResult(value.invokeId, { opcode: value.opcode, value: NO_DATA }));
          }
        });
        for (const answer of answers.splice(0)) await this.send(answer);
      }
    } catch {
      // closed
    }
  }
}

/** The whole path: simulator service, one associated client monitoring every device. */
async function overTcp(seconds: number): Promise<RunFigures & { monitored: number }> {
  const sim = new SimulatorService({
    plan: PLAN,
    keepaliveSeconds: 60,
    maxMonitors: 10_000,
    remoteParties: false,
  });
  await sim.start();
  const client = await CountingClient.connect(sim.port);
  try {
    await client.send(panasonicAarq());
    const devices = sim.plan.devices().map((d) => d.number);
    for (const [i, device] of devices.entries()) {
      await client.send(encodeTypedInvoke(i + 1, "monitorStart", {
        monitorObject: { kind: "deviceObject", value: dialingNumber(device) },
      }));
    }
    await client.send(
      encodeTypedInvoke(devices.length + 1, "startCDRTransmission", { transferMode: "transferAtEndOfCall" }),
    );
    await client.waitForResults(devices.length + 1);
    let facts = 0;
    sim.engine.subscribe(() => facts++);
    const traffic = new TrafficGenerator(sim.engine, systemClock, TRAFFIC);
    const figures = await measure(seconds, traffic, () => ({
      facts,
      eventReports: client.eventReports,
      bytes: client.bytes,
      cdrReports: client.cdrReports,
    }));
    if (sim.status().details?.associated !== true) {
      throw new Error("the client lost its association during the run");
    }
    return { ...figures, monitored: devices.length };
  } finally {
    await client.close();
    await sim.stop();
  }
}

function perSecond(count: number, figures: RunFigures): number {
  return count / figures.seconds;
}

/** Runs the suite: engine-only baseline, then the full path, each for the same traffic. */
export async function run(report: BenchReport): Promise<void> {
  const seconds = report.quick ? 10 : 60;
  const baseline = await engineOnly(report.quick ? 5 : 20);
  const full = await overTcp(seconds);
  const baseCpuPerCall = baseline.cpuUs / baseline.started;
  const fullCpuPerCall = full.cpuUs / full.started;
  const add = (name: string, value: number, unit: string, ratioToBaseline?: number) =>
    report.add({
      suite: SUITE,
      case: name,
      value,
      unit,
      ...(ratioToBaseline !== undefined ? { ratioToBaseline } : {}),
    });
  add("engine + traffic only: calls started", perSecond(baseline.started, baseline), "calls/s", 1);
  add("engine + traffic only: events", perSecond(baseline.facts, baseline), "events/s", 1);
  add("engine + traffic only: CPU per call", baseCpuPerCall, "us CPU/call", 1);
  add("engine + traffic only: CPU load", (100 * baseline.cpuUs) / 1e6 / baseline.seconds, "% of a core");
  add("over TCP: calls offered", perSecond(full.offered, full), "calls/s");
  add(
    "over TCP: calls started",
    perSecond(full.started, full),
    "calls/s",
    perSecond(full.started, full) / perSecond(baseline.started, baseline),
  );
  add("over TCP: engine events", perSecond(full.facts, full), "events/s");
  add(
    `over TCP: EventReports to ${full.monitored} monitors`,
    perSecond(full.eventReports, full),
    "reports/s",
  );
  add("over TCP: bytes to the client", perSecond(full.bytes, full), "bytes/s");
  add("over TCP: CDR reports", perSecond(full.cdrReports, full), "reports/s");
  add(
    "over TCP: CPU per call (client included)",
    fullCpuPerCall,
    "us CPU/call",
    fullCpuPerCall / baseCpuPerCall,
  );
  add("over TCP: CPU load (client included)", (100 * full.cpuUs) / 1e6 / full.seconds, "% of a core");
  add("over TCP: worst event-loop lag", full.maxLagMs, "ms");
  const offered = perSecond(full.offered, full);
  const startedShare = full.started / full.offered;
  report.check(
    SUITE,
    `random traffic sustained at ${CALLS_PER_SECOND} calls/s for ${seconds} s over TCP`,
    offered >= CALLS_PER_SECOND * 0.95 && startedShare >= 0.9 && full.maxLagMs < 1000,
    `${offered.toFixed(1)} calls/s offered, ${(100 * startedShare).toFixed(1)}% started, ${
      Math.round(perSecond(full.eventReports, full))
    } EventReports/s, worst lag ${Math.round(full.maxLagMs)} ms`,
  );
}

if (import.meta.main) {
  const { BenchReport } = await import("./report.ts");
  const report = new BenchReport({ quick: Deno.args.includes("--quick") });
  await run(report);
  console.log(report.table());
}

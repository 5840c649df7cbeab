// Suite multiplexer: (1) request round trip to the simulated PBX directly, through a plain TCP relay
// (baseline) and through cstabox; (2) fan-out: 1000 applications monitoring the same 20 devices while the
// PBX reports ~500 events/s: delivered events/s, delivery latency, CPU, RSS and event-loop delay of cstabox
// and of a broadcast relay (baseline). Each runs as its own process (cstabox from its real entry point), so
// its CPU and memory are measured alone; the issue 24 goals are checked as ratios to the relay.

import { fileURLToPath } from "node:url";
import { CstaClient } from "../../src/client/csta_client.ts";
import { panasonicAarq } from "../../src/csta/acse.ts";
import { concatBytes, constructed, tlv } from "../../src/csta/ber_writer.ts";
import { encodeFrame, FrameReassembler } from "../../src/csta/framing.ts";
import { Opcode } from "../../src/csta/opcodes.ts";
import { type InvokePeek, peekApdu } from "../../src/csta/peek.ts";
import { SimulatorService } from "../../src/sim/sim_service.ts";
import { monitorStartInvoke } from "../../src/csta/monitoring.ts";
import { dialingNumber } from "../../src/csta/device_id.ts";
import { operations } from "../../src/csta/operations.ts";
import type { LoopDelayFigures } from "./loop_delay_probe.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "multiplexer";
export const DEVICES = Array.from({ length: 20 }, (_, i) => String(101 + i));
const entryPoint = fileURLToPath(new URL("../../mod.ts", import.meta.url));
const broadcastRelayScript = fileURLToPath(new URL("./broadcast_relay.ts", import.meta.url));
const tcpRelayScript = fileURLToPath(new URL("./tcp_relay.ts", import.meta.url));
const loopDelayProbeScript = fileURLToPath(new URL("./loop_delay_probe.ts", import.meta.url));

export async function run(report: BenchReport): Promise<void> {
  const quick = report.quick;
  const sim = new SimulatorService({ plan: { extensions: "101-140", trunks: 4 }, keepaliveSeconds: 0 });
  await sim.start();
  try {
    await roundTrips(report, sim, quick ? { warmUp: 100, count: 300 } : { warmUp: 1000, count: 10_000 });
  } finally {
    await sim.stop();
  }
  await fanOut(report, quick ? { apps: 200, segments: 2, segmentSeconds: 2 } : FULL_FAN_OUT);
}

/**
 * Six segments of 5 s for each target: 30 s measured each, more than the 20 s of one run before the
 * segments, in about three minutes for the three targets.
 */
const FULL_FAN_OUT: FanOutSize = { apps: 1000, segments: 6, segmentSeconds: 5 };

// ---- round trips ------------------------------------------------------------------------------------

/**
 * The request timed: GetDoNotDisturb of extension 101, which only the PBX can answer, so the round trip
 * through cstabox crosses its whole relay path (application invoke ID to upstream ID and back). Until
 * 2026-12-07 RequestSystemStatus was timed; cstabox answers that one itself (its own view of the link,
 * §9), so the row measured cstabox's local answer, not the relay path.
 */
const ROUND_TRIP_REQUEST = {
  opcode: Opcode.getDoNotDisturb,
  argument: operations.getDoNotDisturb.argument.encode({ device: dialingNumber("101") }),
};

/**
 * Requests sent before measuring, then measured. A fresh process compiles its hot paths over roughly its
 * first thousand requests (twice as many slow answers there as later); an appliance at idle has long
 * passed that, so every target is warmed up alike and the steady state is measured.
 */
interface RoundTripRun {
  warmUp: number;
  count: number;
}

async function roundTrips(report: BenchReport, sim: SimulatorService, run: RoundTripRun): Promise<void> {
  const direct = await measureRoundTrips(sim.port, run);
  const relay = await RelayProcess.tcp(sim.port);
  const relayed = await measureRoundTrips(relay.cstaPort, run);
  await relay.stop();
  const box = await CstaboxProcess.start(sim.port);
  try {
    await box.waitForPbx();
    const multiplexed = await measureRoundTrips(box.cstaPort, run);
    const rows: [string, number[]][] = [
      ["direct to the PBX", direct],
      ["plain TCP relay process (baseline)", relayed],
      ["through cstabox", multiplexed],
    ];
    const baseline = { p50: percentile(relayed, 50), p99: percentile(relayed, 99) };
    for (const [name, samples] of rows) {
      for (const p of [50, 99] as const) {
        const value = percentile(samples, p);
        report.add({
          suite: SUITE,
          case: `round trip p${p}, ${name}`,
          value: value * 1000,
          unit: "us",
          ratioToBaseline: value / baseline[`p${p}`],
        });
      }
    }
    const added = percentile(multiplexed, 99) - percentile(direct, 99);
    report.add({
      suite: SUITE,
      case: "round trip p99 added by cstabox (idle)",
      value: added * 1000,
      unit: "us",
    });
    report.add({
      suite: SUITE,
      case: "round trip p99 added by cstabox over the relay process (idle)",
      value: (percentile(multiplexed, 99) - percentile(relayed, 99)) * 1000,
      unit: "us",
    });
    report.check(SUITE, "p99 added latency at idle under 1 ms", added < 1, `${(added * 1000).toFixed(0)} us`);
    if (!report.quick) {
      for (const [p, most] of [[50, 1.15], [99, 1.5]] as const) {
        const ratio = percentile(multiplexed, p) / baseline[`p${p}`];
        report.check(
          SUITE,
          `round trip p${p} through cstabox at most ${most}x the relay process's`,
          ratio <= most,
          `${ratio.toFixed(2)}x`,
        );
      }
    }
  } finally {
    await box.stop();
  }
}

async function measureRoundTrips(port: number, run: RoundTripRun): Promise<number[]> {
  const client = await CstaClient.connect({ hostname: "127.0.0.1", port, requestTimeoutMs: 5000 });
  try {
    const { opcode, argument } = ROUND_TRIP_REQUEST;
    for (let i = 0; i < run.warmUp; i++) await client.invokeRaw(opcode, argument);
    const samples: number[] = [];
    for (let i = 0; i < run.count; i++) {
      const started = performance.now();
      await client.invokeRaw(opcode, argument);
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    await client.close();
  }
}

// ---- fan-out ----------------------------------------------------------------------------------------

/**
 * The fan-out targets, measured in turns. Why turns and not one run after the other: on this 2-core VM the
 * machine's own speed drifted within minutes (2026-12-07: the same broadcast relay took 65 % of a core in
 * one run and 86 % in the next, ten minutes later), so a relay run followed by a cstabox run compared two
 * machines. Each target has a simulator and 1,000 applications of its own, all connected throughout; the
 * bench makes calls on one target's simulator at a time, in segments taken in turn (relay, cstabox,
 * cstabox with a window, then the other way round), while the others wait idle.
 */
type TargetKind = { kind: "relay" } | { kind: "cstabox"; coalesceMs: number };

interface FanOutSize {
  apps: number;
  /** Measured segments of each target. */
  segments: number;
  segmentSeconds: number;
}

/** Unmeasured seconds of calls each target gets first: its hot paths compile and its heap grows. */
const WARM_UP_SECONDS = 3;
const TARGET_EVENTS_PER_SECOND = 500;

/**
 * Where in the write order a probe sits. Both the relay and cstabox write to applications in the order
 * they connected and monitored, and a copy's latency grows with its place: one run with a probe in each
 * hundred gave the relay 1.7 ms at p50 for the 51st application and 11.4 ms for the 551st (2026-12-07). The
 * goals are checked on the first ten, as issue 24 measured them; the spread ones show what an average
 * application sees.
 */
export type ProbeGroup = "first" | "spread";

function probeGroupOf(index: number, apps: number): ProbeGroup | undefined {
  if (index < 10) return "first";
  const step = apps / 10;
  return index % step === step / 2 ? "spread" : undefined;
}

interface FanOutFigures {
  latencyP50: number;
  latencyP99: number;
  cpuShare: number;
  peakRssMb: number;
  peakRssAnonMb: number;
  /** p50 and p99: the median of the segments'; max: the largest of any. */
  loopDelay: Pick<LoopDelayFigures, "p50" | "p99" | "max">;
}

/** One target under the fan-out: its simulator, process and applications, and what its segments measured. */
class FanOutTarget {
  readonly actionAt = new Map<number, number>();
  readonly latencies: Record<ProbeGroup, number[]> = { first: [], spread: [] };
  seconds = 0;
  cpuSeconds = 0;
  pbxFrames = 0;
  peakRssMb = 0;
  peakRssAnonMb = 0;
  mallocHeapMb = NaN;
  loopDelayP50s: number[] = [];
  loopDelayP99s: number[] = [];
  loopDelayMax = 0;
  #reportsAtStart = 0;

  private constructor(
    readonly kind: TargetKind,
    readonly sim: SimulatorService,
    readonly process: RelayProcess | CstaboxProcess,
    readonly apps: Receiver[],
    readonly idle: ProcessUsage,
  ) {
    this.#reportsAtStart = sim.eventReportsSent;
  }

  get label(): string {
    return this.kind.kind === "relay"
      ? "fan-out, broadcast relay (baseline)"
      : `fan-out, cstabox (${this.kind.coalesceMs} ms window)`;
  }

  /** Starts the target's simulator and process, connects its applications and has each monitor the devices. */
  static async open(kind: TargetKind, apps: number): Promise<FanOutTarget> {
    const sim = new SimulatorService({ plan: { extensions: "101-140", trunks: 4 }, keepaliveSeconds: 0 });
    await sim.start();
    const process = kind.kind === "relay"
      ? await RelayProcess.broadcast(sim.port)
      : await CstaboxProcess.start(sim.port, ["--log-level", "warn"], { writeCoalesceMs: kind.coalesceMs });
    const receivers: Receiver[] = [];
    try {
      if (process instanceof CstaboxProcess) await process.waitForPbx();
      for (let i = 0; i < apps; i++) {
        receivers.push(await Receiver.connect(process.cstaPort, probeGroupOf(i, apps)));
      }
      await Promise.all(receivers.map((app) => app.monitorAll()));
    } catch (error) {
      for (const app of receivers) app.close();
      await process.stop();
      await sim.stop();
      throw error;
    }
    const target = new FanOutTarget(kind, sim, process, receivers, process.usage());
    for (const probe of receivers.filter((a) => a.probe)) probe.actionAt = target.actionAt;
    return target;
  }

  /**
   * Calls between the 20 devices for `seconds`, paced by the EventReports the PBX actually sent, then half
   * a second for the last copies to arrive. Measured segments add to the target's figures.
   */
  async segment(seconds: number, measured: boolean): Promise<void> {
    const probes = this.apps.filter((a) => a.probe);
    const marks = probes.map((p) => p.latencies.length);
    const reportsBefore = this.sim.eventReportsSent;
    const cpuBefore = this.process.usage();
    await this.process.resetLoopDelay();
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      playCall(this.sim, this.actionAt);
      const due = started + ((this.sim.eventReportsSent - reportsBefore) / TARGET_EVENTS_PER_SECOND) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      if (!measured) continue;
      const usage = this.process.usage();
      this.peakRssMb = Math.max(this.peakRssMb, usage.rssMb);
      this.peakRssAnonMb = Math.max(this.peakRssAnonMb, usage.rssAnonMb);
    }
    const elapsed = (performance.now() - started) / 1000;
    const loopDelay = await this.process.loopDelay();
    if (measured) this.mallocHeapMb = mallocHeapRssMb(this.process.pid);
    await new Promise((r) => setTimeout(r, 500));
    if (!measured) return;
    this.seconds += elapsed;
    this.cpuSeconds += this.process.usage().cpuSeconds - cpuBefore.cpuSeconds;
    this.pbxFrames += this.sim.eventReportsSent - reportsBefore;
    probes.forEach((probe, i) => this.latencies[probe.probe!].push(...probe.latencies.slice(marks[i])));
    this.loopDelayP50s.push(loopDelay.p50);
    this.loopDelayP99s.push(loopDelay.p99);
    this.loopDelayMax = Math.max(this.loopDelayMax, loopDelay.max);
  }

  /** Every EventReport the simulator sent since the applications monitored, once to each application. */
  get eventsDue(): number {
    return (this.sim.eventReportsSent - this.#reportsAtStart) * this.apps.length;
  }

  get eventsDelivered(): number {
    return this.apps.reduce((sum, a) => sum + a.events, 0);
  }

  get dropped(): number {
    return this.apps.filter((a) => a.closed).length;
  }

  figures(): FanOutFigures {
    return {
      latencyP50: percentile(this.latencies.first, 50),
      latencyP99: percentile(this.latencies.first, 99),
      cpuShare: this.cpuSeconds / this.seconds,
      peakRssMb: this.peakRssMb,
      peakRssAnonMb: this.peakRssAnonMb,
      loopDelay: {
        p50: percentile(this.loopDelayP50s, 50),
        p99: percentile(this.loopDelayP99s, 50),
        max: this.loopDelayMax,
      },
    };
  }

  async close(): Promise<void> {
    for (const app of this.apps) app.close();
    await this.process.stop();
    await this.sim.stop();
  }
}

/**
 * The relay, cstabox as shipped (no write window) and cstabox with a 10 ms window, each warmed up, then
 * measured in alternating segments; the goals of issue 24 are checked against the relay's segments.
 */
async function fanOut(report: BenchReport, size: FanOutSize): Promise<void> {
  const kinds: TargetKind[] = [{ kind: "relay" }, { kind: "cstabox", coalesceMs: 0 }, {
    kind: "cstabox",
    coalesceMs: 10,
  }];
  const targets: FanOutTarget[] = [];
  try {
    for (const kind of kinds) targets.push(await FanOutTarget.open(kind, size.apps));
    for (const target of targets) await target.segment(WARM_UP_SECONDS, false);
    for (let i = 0; i < size.segments; i++) {
      // Forwards, then backwards: a machine that speeds up or slows down during the run favours no target.
      for (const target of i % 2 === 0 ? targets : [...targets].reverse()) {
        await target.segment(size.segmentSeconds, true);
      }
    }
    const [relay, ...boxes] = targets;
    const baseline = reportTarget(report, relay, size);
    for (const box of boxes) await reportBox(report, box, size, baseline);
  } finally {
    for (const target of targets) await target.close();
  }
}

/** The rows every target has; returns its figures. */
function reportTarget(report: BenchReport, target: FanOutTarget, size: FanOutSize, baseline?: FanOutFigures) {
  const figures = target.figures();
  const row = (what: string, value: number, unit: string, base?: number) =>
    report.add({
      suite: SUITE,
      case: `${target.label}: ${what}`,
      value,
      unit,
      ratioToBaseline: baseline ? (base ? value / base : undefined) : 1,
    });
  row("applications connected", size.apps, "apps");
  row("segments measured", size.segments, `x ${size.segmentSeconds} s`);
  row("EventReports from the PBX", target.pbxFrames / target.seconds, "events/s");
  row(
    "events due (EventReports x applications)",
    (target.pbxFrames * size.apps) / target.seconds,
    "events/s",
  );
  row("delivery latency p50", figures.latencyP50, "ms", baseline?.latencyP50);
  row("delivery latency p99", figures.latencyP99, "ms", baseline?.latencyP99);
  const spread = target.latencies.spread;
  row("delivery latency p50, applications across the write order", percentile(spread, 50), "ms");
  row("delivery latency p99, applications across the write order", percentile(spread, 99), "ms");
  row("event-loop delay p50 (median of the segments)", figures.loopDelay.p50, "ms", baseline?.loopDelay.p50);
  row("event-loop delay p99 (median of the segments)", figures.loopDelay.p99, "ms", baseline?.loopDelay.p99);
  row("event-loop delay max", figures.loopDelay.max, "ms", baseline?.loopDelay.max);
  row("CPU", figures.cpuShare * 100, "% of a core", baseline && baseline.cpuShare * 100);
  row("RSS idle (applications connected and monitoring)", target.idle.rssMb, "MB");
  row("RSS idle: anonymous (the process's own)", target.idle.rssAnonMb, "MB");
  row("RSS idle: mapped from files (the executable's code)", target.idle.rssFileMb, "MB");
  row("RSS peak under load", figures.peakRssMb, "MB", baseline?.peakRssMb);
  row("RSS peak under load: anonymous", figures.peakRssAnonMb, "MB");
  row(
    "RSS at the end of the load: the malloc heap ([heap], write buffers among it)",
    target.mallocHeapMb,
    "MB",
  );
  row("applications dropped", target.dropped, "apps");
  return figures;
}

/** A cstabox target's rows, its own view of its memory, and its checks against the relay. */
async function reportBox(report: BenchReport, box: FanOutTarget, size: FanOutSize, baseline: FanOutFigures) {
  const figures = reportTarget(report, box, size, baseline);
  const row = (what: string, value: number, unit: string) =>
    report.add({ suite: SUITE, case: `${box.label}: ${what}`, value, unit });
  const memory = await (box.process as CstaboxProcess).memory();
  row("V8 heap used at the end of the load", memory.heapUsedMb, "MB");
  row("V8 heap allocated at the end of the load", memory.heapTotalMb, "MB");
  row("memory outside the V8 heap (external) at the end of the load", memory.externalMb, "MB");
  row("bytes queued for applications at the end of the load", memory.queuedMb, "MB");
  row("write buffers allocated (not reused)", memory.buffersAllocated, "buffers");
  if (report.quick) return;
  const check = (what: string, passed: boolean, detail: string) =>
    report.check(SUITE, `${box.label}: ${what}`, passed, detail);
  const { eventsDelivered: delivered, eventsDue: due, dropped } = box;
  check("every event delivered", delivered >= due, `${delivered} of ${due}`);
  const added = figures.latencyP99 - baseline.latencyP99;
  check("p99 latency added over the relay under 10 ms", added < 10, `${added.toFixed(2)} ms`);
  check("p99 delivery latency under 10 ms", figures.latencyP99 < 10, `${figures.latencyP99.toFixed(2)} ms`);
  check("peak RSS under 150 MB", figures.peakRssMb < 150, `${figures.peakRssMb.toFixed(0)} MB`);
  check("no application dropped", dropped === 0, `${dropped} dropped`);
  if (box.kind.kind === "cstabox" && box.kind.coalesceMs === 0) {
    for (const goal of relayGoals(figures, baseline)) check(goal.what, goal.passed, goal.detail);
  }
}

/**
 * Issue 24's goals, as shipped (no write window), each a ratio to the broadcast relay in the same run: p99
 * at most 1.5x and at most +3 ms, p50 at most 1.5x, CPU at most 1.2x, RSS peak not higher.
 */
function relayGoals(
  box: FanOutFigures,
  relay: FanOutFigures,
): { what: string; passed: boolean; detail: string }[] {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const added = box.latencyP99 - relay.latencyP99;
  return [
    {
      what: "p99 delivery latency at most 1.5x the relay's",
      passed: box.latencyP99 <= 1.5 * relay.latencyP99,
      detail: ratio(box.latencyP99, relay.latencyP99),
    },
    {
      what: "p99 delivery latency at most 3 ms over the relay's",
      passed: added <= 3,
      detail: `${added.toFixed(2)} ms`,
    },
    {
      what: "p50 delivery latency at most 1.5x the relay's",
      passed: box.latencyP50 <= 1.5 * relay.latencyP50,
      detail: ratio(box.latencyP50, relay.latencyP50),
    },
    {
      what: "CPU at most 1.2x the relay's",
      passed: box.cpuShare <= 1.2 * relay.cpuShare,
      detail: ratio(box.cpuShare, relay.cpuShare),
    },
    {
      what: "RSS peak not higher than the relay's",
      passed: box.peakRssMb <= relay.peakRssMb,
      // The anonymous part is what each process allocated; the rest is mostly the executable's code.
      detail: `${box.peakRssMb.toFixed(0)} MB against ${relay.peakRssMb.toFixed(0)} MB (anonymous ${
        box.peakRssAnonMb.toFixed(0)
      } against ${relay.peakRssAnonMb.toFixed(0)} MB)`,
    },
  ];
}

/**
 * Plays one call between two of the 20 devices (none when one of them is busy); returns who called whom
 * and when, for suites that time events by their parties.
 */
export function playCall(
  sim: SimulatorService,
  actionAt: Map<number, number>,
): { calling: string; called: string; at: number } | undefined {
  const a = DEVICES[Math.floor(Math.random() * DEVICES.length)];
  let b = DEVICES[Math.floor(Math.random() * DEVICES.length)];
  if (a === b) b = DEVICES[(DEVICES.indexOf(a) + 1) % DEVICES.length];
  if (!sim.engine.isIdle(a) || !sim.engine.isIdle(b)) return undefined;
  const made = sim.engine.makeCall(a, b);
  if (!made.ok) return undefined;
  const at = performance.now();
  actionAt.set(made.value.callId, at);
  const ringing = sim.engine.connectionsOf(b).find((c) => c.callId === made.value.callId);
  if (ringing) sim.engine.answerCall(ringing);
  sim.engine.clearCall(made.value);
  return { calling: a, called: b, at };
}

/** One application: a raw socket that associates, monitors the 20 devices and counts EventReports. */
export class Receiver {
  events = 0;
  latencies: number[] = [];
  closed = false;
  actionAt?: Map<number, number>;
  #received: Uint8Array[] = [];
  #wake?: () => void;
  #monitoring = false;

  /** A probe times each event it gets from the call action that caused it; its group says where it sits. */
  private constructor(private readonly conn: Deno.Conn, readonly probe: ProbeGroup | undefined) {
    void this.#read();
  }

  static async connect(port: number, probe?: ProbeGroup): Promise<Receiver> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const receiver = new Receiver(conn, probe);
    await receiver.#write(encodeFrame(panasonicAarq()));
    await receiver.#waitFrames(2); // AARE, SystemStatus
    return receiver;
  }

  async monitorAll(): Promise<void> {
    const starts = DEVICES.map((d, i) =>
      encodeFrame(monitorStartInvoke(100 + i, constructed(0x30, [tlv(0x80, new TextEncoder().encode(d))])))
    );
    await this.#write(concatBytes(starts));
    await this.#waitFrames(2 + DEVICES.length);
    this.#received = [];
    this.#monitoring = true;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  async #waitFrames(count: number): Promise<void> {
    const until = Date.now() + 30_000;
    while (this.#received.length < count) {
      if (this.closed || Date.now() > until) {
        throw new Error(`application got ${this.#received.length}/${count} frames`);
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  async #read(): Promise<void> {
    const reassembler = new FrameReassembler();
    const buffer = new Uint8Array(256 * 1024);
    try {
      for (;;) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        reassembler.push(buffer.subarray(0, n), (apdu) => this.#onFrame(apdu));
        this.#wake?.();
      }
    } catch {
      // reset: counted as closed
    }
    this.closed = true;
    this.#wake?.();
  }

  #onFrame(apdu: Uint8Array): void {
    // After the set-up every frame is an EventReport; only probes look inside (the load generator must
    // cost little next to cstabox on a 2-core machine).
    if (this.#monitoring) {
      this.events++;
      if (!this.probe) return;
    }
    if (apdu[0] !== 0xa1) return void this.#received.push(apdu.slice());
    const peek = peekApdu(apdu) as InvokePeek;
    if (peek.opcode !== Opcode.cSTAEventReport) return void this.#received.push(apdu.slice());
    if (!this.#monitoring) this.events++;
    if (this.probe && this.actionAt) {
      const callId = callIdOf(apdu, peek);
      const at = callId === undefined ? undefined : this.actionAt.get(callId);
      if (at !== undefined) this.latencies.push(performance.now() - at);
    }
  }
}

/** The 2-octet callID of the event's first ConnectionID (`6B { 30 { 80 02 xx xx …`), §5.2. */
function callIdOf(apdu: Uint8Array, peek: InvokePeek): number | undefined {
  if (!peek.crossRef) return undefined;
  const start = apdu.indexOf(0x6b, peek.crossRef.end);
  if (start < 0 || apdu[start + 2] !== 0x30 || apdu[start + 4] !== 0x80 || apdu[start + 5] !== 2) {
    return undefined;
  }
  return (apdu[start + 6] << 8) | apdu[start + 7];
}

/** A byte-for-byte TCP relay to the PBX: the least any proxy must cost. */
interface ProcessUsage {
  cpuSeconds: number;
  rssMb: number;
  /** Of the RSS, anonymous pages: what the process allocated itself (V8 heap, buffers, sockets). */
  rssAnonMb: number;
  /** Of the RSS, pages mapped from files: mostly the executable's code, shared and reclaimable. */
  rssFileMb: number;
}

/** CPU time (utime + stime) and resident memory (`VmRSS` and its parts) of a process, from /proc. */
export function processUsage(pid: number): ProcessUsage {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]); // in clock ticks (100/s)
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const megabytes = (field: string) => {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return kb ? Number(kb[1]) / 1024 : NaN;
  };
  return {
    cpuSeconds: ticks / 100,
    rssMb: megabytes("VmRSS"),
    rssAnonMb: megabytes("RssAnon"),
    rssFileMb: megabytes("RssFile"),
  };
}

/**
 * Resident pages of the process's malloc heap (the `[heap]` mapping in /proc/<pid>/smaps), where the
 * backing stores of write buffers live. A time series under load (docs/BENCHMARKS.md, issue 24) found the
 * RSS peak there (22.8 to 147.8 MB) while the V8 heap stayed flat; freed, that memory mostly stays resident.
 */
function mallocHeapRssMb(pid: number): number {
  let kb = 0;
  let inHeap = false;
  for (const line of Deno.readTextFileSync(`/proc/${pid}/smaps`).split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.endsWith("[heap]");
    else if (inHeap && line.startsWith("Rss:")) kb += Number(/(\d+) kB/.exec(line)?.[1] ?? 0);
  }
  return kb / 1024;
}

/**
 * The V8 flags `deno task start` runs cstabox with (read from deno.json, so the bench measures what ships),
 * plus `CSTABOX_BENCH_DENO_FLAGS`, e.g. `--v8-flags=--perf-basic-prof` to profile under load with
 * `perf record -p`.
 */
function runtimeFlags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  const shipped = String(config.tasks.start).split(" ").filter((arg) => arg.startsWith("--v8-flags="));
  const extra = Deno.env.get("CSTABOX_BENCH_DENO_FLAGS")?.split(" ").filter(Boolean) ?? [];
  return [...shipped, ...extra];
}

/**
 * Where a measured process's loop-delay probe writes (`scripts/bench/loop_delay_probe.ts`, preloaded), the
 * arguments that preload it and the environment that points it there.
 */
function loopDelayProbe(): { file: string; args: string[]; env: Record<string, string> } {
  const dir = Deno.makeTempDirSync({ prefix: "cstabox-loop-delay-" });
  const file = `${dir}/loop_delay.json`;
  return { file, args: ["--preload", loopDelayProbeScript], env: { CSTABOX_BENCH_LOOP_DELAY_FILE: file } };
}

/**
 * A child process under measurement: its CPU and memory read from /proc, its event-loop delay from the
 * preloaded probe, stopped with SIGTERM.
 */
class MeasuredProcess {
  constructor(protected readonly child: Deno.ChildProcess, private readonly loopDelayFile: string) {}

  /** Starts the event-loop delay histogram afresh: what it held until now is read and dropped. */
  async resetLoopDelay(): Promise<void> {
    await this.loopDelay();
  }

  /** The event-loop delay since the last read (the probe writes it on SIGUSR2 and starts afresh). */
  async loopDelay(): Promise<LoopDelayFigures> {
    await Deno.remove(this.loopDelayFile).catch(() => {});
    this.child.kill("SIGUSR2");
    const until = Date.now() + 10_000;
    for (;;) {
      try {
        return JSON.parse(await Deno.readTextFile(this.loopDelayFile));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound) || Date.now() > until) throw error;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get pid(): number {
    return this.child.pid;
  }

  usage(): ProcessUsage {
    return processUsage(this.child.pid);
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // gone already
    }
    await this.child.status;
    await Deno.remove(this.loopDelayFile.slice(0, this.loopDelayFile.lastIndexOf("/")), { recursive: true })
      .catch(() => {});
  }
}

/**
 * A baseline relay as a child process: scripts/bench/tcp_relay.ts (round trips) or broadcast_relay.ts
 * (fan-out). Both print `relay listening <port>` when ready.
 */
class RelayProcess extends MeasuredProcess {
  private constructor(child: Deno.ChildProcess, loopDelayFile: string, readonly cstaPort: number) {
    super(child, loopDelayFile);
  }

  static broadcast(simPort: number): Promise<RelayProcess> {
    return RelayProcess.#start(broadcastRelayScript, [String(simPort), ...DEVICES]);
  }

  static tcp(simPort: number): Promise<RelayProcess> {
    return RelayProcess.#start(tcpRelayScript, [String(simPort)]);
  }

  static async #start(script: string, args: string[]): Promise<RelayProcess> {
    const probe = loopDelayProbe();
    const dir = probe.file.slice(0, probe.file.lastIndexOf("/"));
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        `--allow-env=${Object.keys(probe.env).join(",")}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        ...probe.args,
        ...runtimeFlags(),
        script,
        ...args,
      ],
      env: probe.env,
      stdout: "piped",
      stderr: "inherit",
      stdin: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    let port: number | undefined;
    while (port === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`relay exited: ${output}`);
      output += value;
      const match = /relay listening (\d+)/.exec(output);
      if (match) port = Number(match[1]);
    }
    keepOutput(child, reader);
    return new RelayProcess(child, probe.file, port);
  }
}

/** cstabox as a child process pointed at the simulator. */
export class CstaboxProcess extends MeasuredProcess {
  private constructor(
    child: Deno.ChildProcess,
    loopDelayFile: string,
    readonly cstaPort: number,
    readonly httpPort: number,
  ) {
    super(child, loopDelayFile);
  }

  static async start(
    simPort: number,
    extra: string[] = [],
    limits: { writeCoalesceMs?: number } = {},
    /** Sections of the settings file (the integrations bench turns MQTT on). */
    settings: Record<string, unknown> = {},
  ): Promise<CstaboxProcess> {
    const dataDir = await Deno.makeTempDir();
    const file = {
      ...settings,
      ...(limits.writeCoalesceMs !== undefined
        ? { limits: { writeCoalesceMs: limits.writeCoalesceMs } }
        : {}),
      ...benchSettings(),
    };
    const probe = loopDelayProbe();
    if (Object.keys(file).length > 0) {
      await Deno.writeTextFile(`${dataDir}/cstabox.yaml`, JSON.stringify(file) + "\n");
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--unstable-raw-imports",
        ...probe.args,
        ...runtimeFlags(),
        entryPoint,
        "--data-dir",
        dataDir,
        "--pbx",
        `127.0.0.1:${simPort}`,
        "--bind",
        "127.0.0.1",
        "--csta-port",
        "0",
        "--csta-tls-port",
        "0",
        "--http-port",
        "0",
        "--https-port",
        "0",
        "--smdr-port",
        "0",
        "--admin-password",
        "bench",
        ...extra,
      ],
      env: probe.env,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const lines: string[] = [];
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    while (!lines.includes("cstabox ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`cstabox exited: ${lines.join(" | ")}`);
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts);
    }
    keepOutput(child, reader);
    const port = (name: string) =>
      Number(lines.find((l) => l.startsWith(`cstabox listening ${name} `))!.split(":").pop());
    return new CstaboxProcess(child, probe.file, port("csta-tcp"), port("http"));
  }

  async waitForPbx(): Promise<void> {
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const status = await this.#status();
      if (status?.services?.["pbx-link"]?.state === "running") return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("cstabox did not associate with the simulator");
  }

  /** The process's own view of its memory and the bytes queued for applications, from /api/status. */
  async memory(): Promise<
    {
      heapUsedMb: number;
      heapTotalMb: number;
      externalMb: number;
      queuedMb: number;
      buffersAllocated: number;
    }
  > {
    const status = await this.#status();
    const mb = (n: number | undefined) => (n ?? NaN) / 1048576;
    const queued = (status?.multiplexer?.applications ?? []).reduce(
      (sum: number, app: { queuedBytes: number }) => sum + app.queuedBytes,
      0,
    );
    return {
      heapUsedMb: mb(status?.process?.heapUsedBytes),
      heapTotalMb: mb(status?.process?.heapTotalBytes),
      externalMb: mb(status?.process?.externalBytes),
      queuedMb: mb(queued),
      buffersAllocated: status?.process?.writeBuffers?.allocated ?? NaN,
    };
  }

  async #status() {
    try {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/api/status`, {
        headers: { authorization: `Basic ${btoa("admin:bench")}` },
      });
      return await res.json();
    } catch {
      return undefined;
    }
  }
}

/**
 * The rest of a measured process's output once it is ready: written to `<CSTABOX_BENCH_OUTPUT_DIR>/<pid>.log`
 * when that is set (e.g. `--v8-flags=--trace-gc` lines: read, so the process never blocks on a full pipe),
 * otherwise left unread (little is written at `--log-level warn`).
 */
function keepOutput(child: Deno.ChildProcess, reader: ReadableStreamDefaultReader<string>): void {
  const dir = Deno.env.get("CSTABOX_BENCH_OUTPUT_DIR");
  if (!dir) {
    reader.releaseLock();
    child.stdout.cancel().catch(() => {});
    return;
  }
  void (async () => {
    using file = await Deno.open(`${dir}/${child.pid}.log`, { write: true, create: true, append: true });
    const encoder = new TextEncoder();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      const bytes = encoder.encode(value);
      for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
    }
  })();
}

/**
 * Settings sections from `CSTABOX_BENCH_SETTINGS` (JSON) written into every cstabox's settings file, to
 * compare a feature on and off under the same load, e.g. `{"smdr":{"enabled":false}}`.
 */
function benchSettings(): Record<string, unknown> {
  const text = Deno.env.get("CSTABOX_BENCH_SETTINGS");
  return text ? JSON.parse(text) : {};
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

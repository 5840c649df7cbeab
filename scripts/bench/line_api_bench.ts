// Suite line_api: cstabox (its own process) with CSTA applications monitoring the 20 devices through the
// TCP port and, in the same run, WebSocket clients of the line API with 10 open lines each; simulator
// calls at 100 calls/s. Figures: event latency from the PBX's action to the WebSocket message against the
// CSTA path (goal: p99 at most 2x), lineMakeCall round trip, and RSS with the WebSocket clients against
// the same run with the CSTA clients only (goal: under 30 MB more).

import { SimulatorService } from "../../src/sim/sim_service.ts";
import { CstaboxProcess, DEVICES, percentile, playCall, Receiver } from "./multiplexer_bench.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "line_api";
const CALLS_PER_SECOND = 100;
const AUTH = `Basic ${btoa("admin:bench")}`;
/** Lines the lineMakeCall probe uses: apart from the devices the traffic plays on. */
const PROBE_LINES = ["121", "122"];

/**
 * One line API client: a WebSocket subscribed to its lines. Probes time each callState against its call's
 * action; the others only count what they receive, as the CSTA applications do (only their 10 probes
 * decode). Parsing every message in all 100 clients loaded the bench process (which also runs the
 * simulator) with work the CSTA side does not have, and its queueing counted as WebSocket latency.
 */
class WsClient {
  latencies: number[] = [];
  messages = 0;
  constructor(private readonly socket: WebSocket, actionAt: Map<string, number>, probe: boolean) {
    socket.onmessage = (event) => {
      this.messages++;
      if (!probe) return;
      const m = JSON.parse(event.data);
      if (m.type !== "callState") return;
      const at = actionAt.get(`${m.parties.caller?.number}>${m.parties.called?.number}`);
      if (at !== undefined) this.latencies.push(performance.now() - at);
    };
  }

  static async open(
    base: string,
    lines: string[],
    actionAt: Map<string, number>,
    probe: boolean,
  ): Promise<WsClient> {
    for (const line of lines) {
      const answer = await fetch(`${base}/api/lines/${line}/open`, {
        method: "POST",
        headers: { authorization: AUTH },
      });
      if (answer.status !== 200) throw new Error(`lineOpen ${line}: ${await answer.text()}`);
    }
    const socket = new WebSocket(
      `${base.replace("http", "ws")}/api/events`,
      { headers: { authorization: AUTH } } as never,
    );
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error("event WebSocket did not open"));
    });
    const client = new WsClient(socket, actionAt, probe);
    socket.send(JSON.stringify({ subscribe: lines }));
    return client;
  }

  close(): void {
    this.socket.close();
  }
}

export async function run(report: BenchReport): Promise<void> {
  const size = report.quick
    ? { apps: 5, wsClients: 5, seconds: 3, makeCalls: 10 }
    : { apps: 100, wsClients: 100, seconds: 30, makeCalls: 200 };
  const sim = new SimulatorService({
    plan: { extensions: "101-140", trunks: 4 },
    keepaliveSeconds: 0,
    remoteParties: false,
  });
  await sim.start();
  const target = await CstaboxProcess.start(sim.port, ["--log-level", "warn"], {}, {
    lineApi: { linesPerClient: 100, eventSockets: 1000 },
    limits: { ctiApplications: 1000 },
  });
  const apps: Receiver[] = [];
  const ws: WsClient[] = [];
  try {
    await target.waitForPbx();
    const base = `http://127.0.0.1:${target.httpPort}`;
    // CSTA applications first: their RSS is the baseline the WebSocket clients are measured against.
    for (let i = 0; i < size.apps; i++) {
      apps.push(await Receiver.connect(target.cstaPort, i < 10 ? "first" : undefined));
    }
    await Promise.all(apps.map((app) => app.monitorAll()));
    await new Promise((r) => setTimeout(r, 1000));
    const rssCsta = target.usage().rssMb;

    const wsActionAt = new Map<string, number>();
    for (let i = 0; i < size.wsClients; i++) {
      const lines = Array.from({ length: 10 }, (_, k) => DEVICES[(i + k) % DEVICES.length]);
      ws.push(await WsClient.open(base, lines, wsActionAt, i < 10));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rssBoth = target.usage().rssMb;

    // Traffic: the CSTA probes time events by callID, the WebSocket probes by caller and called.
    const actionAt = new Map<number, number>();
    for (const probe of apps.filter((a) => a.probe)) probe.actionAt = actionAt;
    const cpuBefore = target.usage().cpuSeconds;
    const started = performance.now();
    let calls = 0;
    while (performance.now() - started < size.seconds * 1000) {
      const played = playCall(sim, actionAt);
      if (played) wsActionAt.set(`${played.calling}>${played.called}`, played.at);
      calls++;
      const due = started + (calls / CALLS_PER_SECOND) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    const seconds = (performance.now() - started) / 1000;
    // Settled when no client received anything for a second (at most a minute): on a busy machine the
    // events of the last calls are still on their way.
    let received = -1;
    for (let waited = 0; waited < 60_000; waited += 1000) {
      const now = apps.reduce((n, a) => n + a.events, 0) + ws.reduce((n, c) => n + c.messages, 0);
      if (now === received) break;
      received = now;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // cstabox's own CPU per call (both paths, until settled): unlike the latencies, it does not grow with
    // what else runs on the machine, so it compares builds measured under different load.
    const cpuPerCall = ((target.usage().cpuSeconds - cpuBefore) * 1000) / calls;

    // lineMakeCall round trips on two lines the traffic does not use.
    for (const line of PROBE_LINES) {
      await fetch(`${base}/api/lines/${line}/open`, { method: "POST", headers: { authorization: AUTH } });
    }
    const roundTrips: number[] = [];
    for (let i = 0; i < size.makeCalls; i++) {
      const t0 = performance.now();
      const answer = await fetch(`${base}/api/lines/${PROBE_LINES[0]}/calls`, {
        method: "POST",
        headers: { authorization: AUTH, "content-type": "application/json" },
        body: JSON.stringify({ to: PROBE_LINES[1] }),
      });
      roundTrips.push(performance.now() - t0);
      if (answer.status !== 201) throw new Error(`lineMakeCall: ${await answer.text()}`);
      await answer.body?.cancel();
      for (const c of sim.engine.connectionsOf(PROBE_LINES[0])) sim.engine.clearCall(c);
    }

    const csta = apps.flatMap((a) => a.latencies);
    const lineApi = ws.flatMap((c) => c.latencies);
    const row = (what: string, value: number, unit: string, ratioToBaseline?: number) =>
      report.add({ suite: SUITE, case: what, value, unit, ratioToBaseline });
    const cstaP99 = percentile(csta, 99);
    const wsP99 = percentile(lineApi, 99);
    row("calls made", calls / seconds, "calls/s");
    row(`CSTA event latency p50 (${size.apps} applications, baseline)`, percentile(csta, 50), "ms", 1);
    row(`CSTA event latency p99 (${size.apps} applications, baseline)`, cstaP99, "ms", 1);
    row(`WebSocket event latency p50 (${size.wsClients} clients x 10 lines)`, percentile(lineApi, 50), "ms");
    row(`WebSocket event latency p99 (${size.wsClients} clients x 10 lines)`, wsP99, "ms", wsP99 / cstaP99);
    row(
      "WebSocket callState messages received",
      ws.reduce((s, c) => s + c.messages, 0) / seconds,
      "messages/s",
    );
    row("cstabox CPU per call (CSTA and line API paths)", cpuPerCall, "ms");
    row("lineMakeCall round trip p50", percentile(roundTrips, 50), "ms");
    row("lineMakeCall round trip p99", percentile(roundTrips, 99), "ms");
    row("RSS with the CSTA applications", rssCsta, "MB", 1);
    row("RSS with the WebSocket clients added", rssBoth, "MB", rssBoth / rssCsta);
    if (!report.quick) {
      report.check(
        SUITE,
        "WebSocket event p99 at most 2x the CSTA path's",
        wsP99 <= 2 * cstaP99,
        `${(wsP99 / cstaP99).toFixed(2)}x`,
      );
      report.check(
        SUITE,
        "RSS with the WebSocket clients under 30 MB more than with the CSTA clients",
        rssBoth - rssCsta < 30,
        `+${(rssBoth - rssCsta).toFixed(1)} MB`,
      );
    }
    report.check(SUITE, "WebSocket clients received events", lineApi.length > 0, `${lineApi.length} timed`);
  } finally {
    for (const client of ws) client.close();
    for (const app of apps) app.close();
    await target.stop();
    await sim.stop();
  }
}

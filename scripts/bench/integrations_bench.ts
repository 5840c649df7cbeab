// Suite integrations: simulator calls at 100 calls/s through cstabox (its own process) with MQTT (a real
// Mosquitto) and two webhook endpoints on, against the same run with them off. Figures: MQTT messages and
// webhook deliveries per second, their latency from the PBX event (the call's action in the simulator) to
// arrival, and the CSTA fan-out latency p99 with integrations on against off (goal: at most 10 % worse).

import mqtt from "mqtt";
import { SimulatorService } from "../../src/sim/sim_service.ts";
import { startBroker } from "../../test/support/mosquitto.ts";
import { CstaboxProcess, percentile, playCall, Receiver } from "./multiplexer_bench.ts";
import type { LoopDelayFigures } from "./loop_delay_probe.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "integrations";
const CALLS_PER_SECOND = 100;

interface Run {
  fanOutP50: number;
  fanOutP99: number;
  calls: number;
  seconds: number;
  cpuPercent: number;
  /** cstabox's CPU per call made: unlike the latencies it hardly grows with the machine's other load. */
  cpuMsPerCall: number;
  loopDelay: LoopDelayFigures;
}

/** What the MQTT subscriber and the webhook receivers saw, with each arrival's delay after its call's action. */
class Arrivals {
  count = 0;
  latencies: number[] = [];
  constructor(private readonly actionAt: Map<number, number>) {}

  /** `callId`: the PBX's callID in hex, as call events and records carry it. */
  arrived(callId: string | undefined): void {
    this.count++;
    const at = callId === undefined ? undefined : this.actionAt.get(parseInt(callId, 16));
    if (at !== undefined) this.latencies.push(performance.now() - at);
  }
}

export async function run(report: BenchReport): Promise<void> {
  const size = report.quick ? { apps: 20, seconds: 4 } : { apps: 200, seconds: 30 };
  const sim = new SimulatorService({ plan: { extensions: "101-140", trunks: 4 }, keepaliveSeconds: 0 });
  await sim.start();
  const broker = await startBroker();
  try {
    const off = await fanOut(sim, size, undefined);
    const actionAt = new Map<number, number>();
    const mqttArrivals = new Arrivals(actionAt);
    const hookArrivals = new Arrivals(actionAt);
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: "bench-subscriber" });
    subscriber.on("message", (_topic, payload) => {
      const message = JSON.parse(payload.toString());
      mqttArrivals.arrived(typeof message.callId === "string" ? message.callId : undefined);
    });
    await subscriber.subscribeAsync("bench/+/+/event", { qos: 1 });
    await subscriber.subscribeAsync("bench/call/record", { qos: 1 });
    const receivers = [0, 1].map(() =>
      Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
        const body = JSON.parse(await request.text());
        hookArrivals.arrived(body.data?.callId);
        return new Response(null, { status: 204 });
      })
    );
    try {
      const on = await fanOut(sim, size, {
        actionAt,
        mqttUrl: broker.url,
        webhooks: receivers.map((r) => `http://127.0.0.1:${r.addr.port}/hook`),
      });
      const row = (what: string, value: number, unit: string, ratioToBaseline?: number) =>
        report.add({ suite: SUITE, case: what, value, unit, ratioToBaseline });
      row("calls made, integrations off", off.calls / off.seconds, "calls/s");
      row("calls made with integrations on", on.calls / on.seconds, "calls/s");
      row("CSTA fan-out latency p50, integrations off (baseline)", off.fanOutP50, "ms", 1);
      row("CSTA fan-out latency p50, integrations on", on.fanOutP50, "ms", on.fanOutP50 / off.fanOutP50);
      row("CSTA fan-out latency p99, integrations off (baseline)", off.fanOutP99, "ms", 1);
      row("CSTA fan-out latency p99, integrations on", on.fanOutP99, "ms", on.fanOutP99 / off.fanOutP99);
      row("cstabox CPU, integrations off", off.cpuPercent, "% of a core", 1);
      row("cstabox CPU, integrations on", on.cpuPercent, "% of a core", on.cpuPercent / off.cpuPercent);
      row("cstabox CPU per call, integrations off", off.cpuMsPerCall, "ms", 1);
      row("cstabox CPU per call, integrations on", on.cpuMsPerCall, "ms", on.cpuMsPerCall / off.cpuMsPerCall);
      for (const key of ["p99", "max"] as const) {
        row(`cstabox event-loop delay ${key}, integrations off`, off.loopDelay[key], "ms", 1);
        row(
          `cstabox event-loop delay ${key}, integrations on`,
          on.loopDelay[key],
          "ms",
          on.loopDelay[key] / off.loopDelay[key],
        );
      }
      row("MQTT call events and records received", mqttArrivals.count / on.seconds, "messages/s");
      row("MQTT latency from the PBX event p50", percentile(mqttArrivals.latencies, 50), "ms");
      row("MQTT latency from the PBX event p99", percentile(mqttArrivals.latencies, 99), "ms");
      row("webhook deliveries received (2 endpoints)", hookArrivals.count / on.seconds, "deliveries/s");
      row("webhook latency from the PBX event p50", percentile(hookArrivals.latencies, 50), "ms");
      row("webhook latency from the PBX event p99", percentile(hookArrivals.latencies, 99), "ms");
      if (!report.quick) {
        const worse = on.fanOutP99 / off.fanOutP99;
        report.check(
          SUITE,
          "CSTA fan-out p99 with integrations on at most 10 % worse than off",
          worse <= 1.1,
          `${((worse - 1) * 100).toFixed(1)} %`,
        );
        report.check(SUITE, "MQTT messages arrived", mqttArrivals.count > 0, `${mqttArrivals.count}`);
        report.check(SUITE, "webhook deliveries arrived", hookArrivals.count > 0, `${hookArrivals.count}`);
      }
    } finally {
      await subscriber.endAsync(true);
      for (const r of receivers) await r.shutdown();
    }
  } finally {
    await broker.stop();
    await sim.stop();
  }
}

/**
 * Starts cstabox (integrations on when `on` is given), connects the applications monitoring the 20
 * devices, plays calls at 100 calls/s and measures the fan-out latency from each call's action.
 */
async function fanOut(
  sim: SimulatorService,
  size: { apps: number; seconds: number },
  on: { actionAt: Map<number, number>; mqttUrl: string; webhooks: string[] } | undefined,
): Promise<Run> {
  const settings = on
    ? {
      mqtt: {
        enabled: true,
        url: on.mqttUrl,
        topicPrefix: "bench",
        publish: ["callEvent", "callRecord", "smdr"],
      },
    }
    : {};
  const target = await CstaboxProcess.start(sim.port, ["--log-level", "warn"], {}, settings);
  const apps: Receiver[] = [];
  try {
    await target.waitForPbx();
    if (on) {
      for (const [i, url] of on.webhooks.entries()) {
        const response = await fetch(`http://127.0.0.1:${target.httpPort}/api/webhooks`, {
          method: "POST",
          headers: { authorization: `Basic ${btoa("admin:bench")}`, "content-type": "application/json" },
          body: JSON.stringify({ name: `bench ${i}`, url, kinds: ["callEvent", "callRecord"] }),
        });
        if (response.status !== 201) throw new Error(`webhook not created: ${await response.text()}`);
      }
    }
    for (let i = 0; i < size.apps; i++) apps.push(await Receiver.connect(target.cstaPort, i < 10));
    await Promise.all(apps.map((app) => app.monitorAll()));
    const actionAt = on?.actionAt ?? new Map<number, number>();
    for (const probe of apps.filter((a) => a.probe)) probe.actionAt = actionAt;
    await target.resetLoopDelay();
    const cpuBefore = target.usage();
    const started = performance.now();
    let calls = 0;
    while (performance.now() - started < size.seconds * 1000) {
      playCall(sim, actionAt);
      calls++;
      const due = started + (calls / CALLS_PER_SECOND) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    const seconds = (performance.now() - started) / 1000;
    // Let the last deliveries arrive before the figures are read.
    await new Promise((r) => setTimeout(r, 1000));
    const cpuAfter = target.usage();
    const loopDelay = await target.loopDelay();
    const latencies = apps.flatMap((a) => a.latencies);
    return {
      fanOutP50: percentile(latencies, 50),
      fanOutP99: percentile(latencies, 99),
      calls,
      seconds,
      cpuPercent: ((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) / seconds) * 100,
      cpuMsPerCall: ((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * 1000) / calls,
      loopDelay,
    };
  } finally {
    for (const app of apps) app.close();
    await target.stop();
  }
}

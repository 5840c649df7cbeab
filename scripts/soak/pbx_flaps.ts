// Part "pbx-flaps": the PBX killed, stalled, answering late, sending garbage and aborting, in turn, under
// many monitoring applications. Counts applications dropped and monitors lost, times PBX-back-to-events at
// every subscriber, and checks at every step that status and SystemStatus tell the truth.

import { SoakApplication } from "./application.ts";
import { PartReport, type PartResult, percentile, sleep, type SoakMode, until } from "./figures.ts";
import { type CstaboxUnderTest, SimProcess, startRig } from "./processes.ts";

const DEVICES = Array.from({ length: 20 }, (_, i) => String(101 + i));
const KINDS = ["kill", "stall", "slow", "garbage", "abrt"] as const;

export async function pbxFlaps(mode: SoakMode): Promise<PartResult> {
  const size = mode.quick
    ? { apps: 20, flaps: 5, callsPerMinute: 600, stallMs: 4000 }
    : { apps: 200, flaps: 100, callsPerMinute: 300, stallMs: 15_000 };
  const report = new PartReport("pbx-flaps");
  report.set("applications", size.apps);
  report.set("flaps", size.flaps);
  const simArgs = [
    "--extensions",
    "101-120",
    "--trunks",
    "4",
    "--keepalive",
    "3",
    "--traffic",
    String(size.callsPerMinute),
  ];
  const rig = await startRig(simArgs, {
    pbx: {
      reconnectMinSeconds: 1,
      reconnectMaxSeconds: 2,
      requestTimeoutSeconds: 2,
      monitorRetrySeconds: 2,
      monitorRetryMaxSeconds: 4,
      livenessTimeoutSeconds: 10,
    },
  });
  let sim = rig.sim;
  const box = rig.box;
  const apps: SoakApplication[] = [];
  try {
    await until(async () => await linkRunning(box), 60_000);
    apps.push(...await SoakApplication.many(box.port("csta-tcp"), size.apps, DEVICES));
    const recovery: number[] = [];
    let untruthful = 0;
    let unrecovered = 0;
    let notToldDown = 0;
    for (let flap = 0; flap < size.flaps; flap++) {
      const kind = KINDS[flap % KINDS.length];
      const statusBefore = apps.map((a) => a.systemStatus.length);
      let linkDownSeen = false;
      switch (kind) {
        case "kill": {
          await sim.kill();
          // The link must read as down while the PBX is gone (it is, for 3 s).
          linkDownSeen = await until(async () => !(await linkRunning(box)), 3000);
          sim = await SimProcess.start(simArgs, sim.port);
          break;
        }
        case "stall":
          await sim.command("hang");
          await sleep(size.stallMs);
          await sim.command("resume");
          break;
        case "slow":
          // The case: answers later than requestTimeoutSeconds while the link re-associates.
          await sim.command("slow 3000");
          await sim.command("drop");
          await sleep(5000);
          await sim.command("resume");
          break;
        case "garbage":
          await sim.command("malformed");
          break;
        case "abrt":
          await sim.command("drop");
          break;
      }
      const backAt = performance.now();
      for (const app of apps) app.mark(backAt);
      const everyoneHasEvents = () => apps.every((a) => a.closed || a.firstEventAfterMark > 0);
      const recovered = await until(everyoneHasEvents, 60_000);
      if (!recovered) unrecovered++;
      for (const app of apps) {
        if (app.firstEventAfterMark > 0) recovery.push(app.firstEventAfterMark - backAt);
      }
      // Truthful: once events flow to every subscriber, status must say healthy (link up, nothing lost)
      // within 15 s, and every application's latest SystemStatus must be normal; a kill must have shown
      // the link down, and applications must have been told (SystemStatus disabled) on a link loss.
      const healthy = await until(async () => await allHealthy(box), 15_000);
      const toldNormal = await until(
        () => apps.every((a) => a.closed || a.systemStatus.at(-1) === 2),
        10_000,
      );
      if (!healthy || !toldNormal || (kind === "kill" && !linkDownSeen)) untruthful++;
      const slowest = Math.max(...apps.map((a) => (a.firstEventAfterMark || Infinity) - backAt));
      console.log(
        `  flap ${flap + 1}/${size.flaps} ${kind}: events at every subscriber after ${
          slowest.toFixed(0)
        } ms, ` +
          `status ${healthy ? "healthy" : "NOT healthy"}, SystemStatus ${
            toldNormal ? "normal" : "NOT normal"
          }`,
      );
      if (kind === "kill" || kind === "abrt" || kind === "slow") {
        const told = apps.filter((a, i) => a.systemStatus.slice(statusBefore[i]).includes(4)).length;
        if (told < apps.filter((a) => !a.closed).length) notToldDown++;
      }
    }
    const dropped = apps.filter((a) => a.closed).length;
    const monitors = await box.api("/api/multiplexer/monitors?perPage=1000");
    const lost = (monitors?.lostMonitors as unknown[] | undefined)?.length ?? NaN;
    const notActive = (monitors?.monitors as { state: string }[] | undefined)?.filter((m) =>
      m.state !== "active"
    )
      .length ?? NaN;
    report.set("applications dropped", dropped);
    report.set("monitors lost at the end", lost);
    report.set("monitors not active at the end", notActive);
    report.set("flaps without events at every subscriber within 60 s", unrecovered);
    report.set("steps where status or SystemStatus was not truthful", untruthful);
    report.set("link losses applications were not told of (SystemStatus disabled)", notToldDown);
    report.set("PBX back to events, p50 (ms)", percentile(recovery, 50));
    report.set("PBX back to events, max (ms)", Math.max(...recovery));
    report.set("cstabox alive", box.alive() ? "yes" : "no");
    report.expect(box.alive(), "cstabox alive", "it exited");
    report.expect(dropped === 0, "no application dropped", `${dropped} dropped`);
    report.expect(lost === 0 && notActive === 0, "no monitor lost", `${lost} lost, ${notActive} not active`);
    report.expect(
      unrecovered === 0,
      "events back at every subscriber",
      `${unrecovered} flaps did not recover`,
    );
    report.expect(untruthful === 0, "status truthful at every step", `${untruthful} steps`);
    report.expect(notToldDown === 0, "applications told of each link loss", `${notToldDown} flaps`);
  } finally {
    for (const app of apps) app.close();
    await box.stop();
    await sim.kill("SIGTERM");
  }
  return report.result();
}

async function linkRunning(box: CstaboxUnderTest): Promise<boolean> {
  const status = await box.api("/api/status");
  const services = status?.services as Record<string, { state: string }> | undefined;
  return services?.["pbx-link"]?.state === "running";
}

/** Link up, multiplexer running, no lost monitor, every monitor active. */
async function allHealthy(box: CstaboxUnderTest): Promise<boolean> {
  const status = await box.api("/api/status");
  const services = status?.services as Record<string, { state: string }> | undefined;
  const monitors = await box.api("/api/multiplexer/monitors?perPage=1000");
  return services?.["pbx-link"]?.state === "running" && services?.multiplexer?.state === "running" &&
    (monitors?.lostMonitors as unknown[] | undefined)?.length === 0 &&
    (monitors?.monitors as { state: string }[]).every((m) => m.state === "active");
}

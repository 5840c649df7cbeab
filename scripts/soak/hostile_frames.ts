// Part "hostile-frames": a few connections send malformed and valid-but-wrong frames while well-behaved
// applications monitor under traffic. cstabox must not crash, and the good applications must lose nothing:
// every one holds the same event sequence per device, and as many events per device as the PBX sent. RSS is
// sampled each second (peak, slope).

import { SoakApplication } from "./application.ts";
import { Attacker } from "./attackers.ts";
import {
  checkAgainstPbx,
  compareSequences,
  PartReport,
  type PartResult,
  slope,
  type SoakMode,
  until,
} from "./figures.ts";
import { rssMb, startRig } from "./processes.ts";

const DEVICES = Array.from({ length: 20 }, (_, i) => String(101 + i));

export async function hostileFrames(mode: SoakMode): Promise<PartResult> {
  const size = mode.quick
    ? { attackers: 10, frames: 100_000, apps: 20, callsPerMinute: 600, maxSeconds: 60 }
    : { attackers: 10, frames: 1_000_000, apps: 20, callsPerMinute: 600, maxSeconds: 900 };
  const report = new PartReport("hostile-frames");
  const { sim, box } = await startRig(["--extensions", "101-120", "--trunks", "4"], {});
  const apps: SoakApplication[] = [];
  try {
    apps.push(...await SoakApplication.many(box.port("csta-tcp"), size.apps, DEVICES));
    await sim.command(`traffic ${size.callsPerMinute}`);
    const attackers = Array.from(
      { length: size.attackers },
      (_, i) => new Attacker(box.port("csta-tcp"), 1 + i),
    );
    const perAttacker = Math.ceil(size.frames / size.attackers);
    const started = performance.now();
    const samples: { t: number; rss: number }[] = [];
    const sampling = setInterval(
      () => samples.push({ t: (performance.now() - started) / 60_000, rss: rssMb(box.pid) }),
      1000,
    );
    const deadline = setTimeout(() => attackers.forEach((a) => a.stop()), size.maxSeconds * 1000);
    await Promise.all(attackers.map((a) => a.run(perAttacker)));
    clearTimeout(deadline);
    clearInterval(sampling);
    const attackSeconds = (performance.now() - started) / 1000;
    await sim.command("traffic off");
    // Calls under way finish; then the event streams are compared once nothing has moved for 3 s.
    await until(() => apps.every((a) => performance.now() - a.lastEventAt > 3000), 60_000);
    // Whether the attack's memory is given back (V8 and the allocator keep some) or kept.
    const rssAfter = rssMb(box.pid);
    const sent = attackers.reduce((n, a) => n + a.sent, 0);
    const compared = compareSequences(apps);
    const rss = samples.map((s) => s.rss).filter(Number.isFinite);
    const dropped = apps.filter((a) => a.closed).length;
    report.set("hostile frames written", sent);
    report.set("hostile connections (closed and reopened)", attackers.reduce((n, a) => n + a.reconnects, 0));
    report.set("attack seconds", attackSeconds);
    report.set("well-behaved applications", size.apps);
    report.set("events at the fullest application", compared.reference);
    report.set("events lost by well-behaved applications", compared.lost);
    report.set("events out of sequence at well-behaved applications", compared.unexpected);
    report.set("well-behaved applications dropped", dropped);
    report.set("RSS peak (MB)", Math.max(...rss));
    report.set("RSS once the attack and the calls ended (MB)", rssAfter);
    report.set(
      "RSS slope during the attack (MB/min)",
      slope(samples.map((s) => s.t), samples.map((s) => s.rss)),
    );
    report.set("cstabox alive", box.alive() ? "yes" : "no");
    report.expect(box.alive(), "cstabox alive", "it exited");
    report.expect(
      sent >= size.frames,
      "every hostile frame sent",
      `${sent} of ${size.frames} in ${size.maxSeconds} s`,
    );
    report.expect(compared.reference > 0, "traffic reached the applications", "no events");
    report.expect(
      compared.lost === 0 && compared.unexpected === 0,
      "no event lost",
      `${compared.lost} lost, ${compared.unexpected} out of sequence`,
    );
    report.expect(dropped === 0, "no well-behaved application dropped", `${dropped} dropped`);
    await checkAgainstPbx(report, sim, apps, DEVICES);
  } finally {
    for (const app of apps) app.close();
    await box.stop();
    await sim.kill("SIGTERM");
  }
  return report.result();
}

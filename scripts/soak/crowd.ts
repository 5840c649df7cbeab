// Part "crowd": many monitoring applications, then 5 that stop reading, then a flood of idle and
// associating connections, then a flood of wrong web logins from 40 loopback addresses. The readers'
// RequestSystemStatus round trip is measured in each phase; they must lose no event and none may be dropped.

import { SoakApplication } from "./application.ts";
import {
  compareSequences,
  PartReport,
  type PartResult,
  percentile,
  sleep,
  type SoakMode,
  until,
} from "./figures.ts";
import { startRig } from "./processes.ts";
import { LoginFloodProcess } from "./login_flood.ts";
import { AARQ_FRAME, writeAll } from "./raw_csta.ts";

const DEVICES = Array.from({ length: 10 }, (_, i) => String(101 + i));
const SLOW_READERS = 5;

export async function crowd(mode: SoakMode): Promise<PartResult> {
  const size = mode.quick
    ? { apps: 100, phaseSeconds: 6, floodConnections: 300, loginAddresses: 40, callsPerMinute: 600 }
    : { apps: 1000, phaseSeconds: 60, floodConnections: 2000, loginAddresses: 40, callsPerMinute: 600 };
  const report = new PartReport("crowd");
  // A 64 KiB queue (the product takes 4 KiB and up; default 1 MiB) so slow readers can reach the limit
  // within a phase; the kernel's socket buffers take a few hundred KB before the queue grows at all.
  const { sim, box } = await startRig(["--extensions", "101-120", "--trunks", "4"], {
    limits: { outboundQueueBytes: 65536 },
  });
  const apps: SoakApplication[] = [];
  const flood: Deno.TcpConn[] = [];
  try {
    apps.push(...await SoakApplication.many(box.port("csta-tcp"), size.apps, DEVICES));
    const slow = apps.slice(0, SLOW_READERS);
    const readers = apps.slice(SLOW_READERS);
    const probes = readers.slice(0, 10);
    await sim.command(`traffic ${size.callsPerMinute}`);
    const phase = async (name: string) => {
      await box.eventLoopDelayMax(); // starts the phase's interval
      const rtts: number[] = [];
      const end = performance.now() + size.phaseSeconds * 1000;
      while (performance.now() < end) {
        const round = await Promise.allSettled(probes.map((p) => p.roundTrip()));
        for (const r of round) if (r.status === "fulfilled") rtts.push(r.value);
        await sleep(100);
      }
      report.set(`${name}: cstabox event-loop delay, max (ms)`, (await box.eventLoopDelayMax()) * 1000);
      report.set(`${name}: readers' round trip p50 (ms)`, percentile(rtts, 50));
      report.set(`${name}: readers' round trip p99 (ms)`, percentile(rtts, 99));
    };
    await phase("before");
    for (const s of slow) s.stopReading();
    await phase("5 slow readers");
    report.set("slow readers disconnected by cstabox", slow.filter((s) => s.closed).length);
    const opened = await openFlood(box.port("csta-tcp"), size.floodConnections, flood);
    report.set("flood connections opened (half associating)", opened);
    await phase("connection flood");
    const logins = LoginFloodProcess.start(box.port("http"), size.loginAddresses);
    await phase(`login flood from ${size.loginAddresses} addresses`);
    const answers = await logins.stop();
    report.set(
      "wrong web logins answered: checked (401); throttled (429); busy (503); other",
      `${answers["401"] ?? 0}; ${answers["429"] ?? 0}; ${answers["503"] ?? 0}; ${
        Object.entries(answers).filter(([k]) => !["401", "429", "503"].includes(k)).map(([k, v]) =>
          `${k} ${v}`
        )
          .join(", ") || 0
      }`,
    );
    await sim.command("traffic off");
    await until(() => readers.every((a) => a.closed || performance.now() - a.lastEventAt > 3000), 60_000);
    const compared = compareSequences(readers);
    const dropped = readers.filter((a) => a.closed).length;
    report.set("applications", size.apps);
    report.set("events at the fullest reader", compared.reference);
    report.set("events lost by readers", compared.lost);
    report.set("events out of sequence at readers", compared.unexpected);
    report.set("readers dropped", dropped);
    report.set("cstabox alive", box.alive() ? "yes" : "no");
    report.expect(box.alive(), "cstabox alive", "it exited");
    report.expect(compared.reference > 0, "traffic reached the readers", "no events");
    report.expect(
      compared.lost === 0 && compared.unexpected === 0,
      "no event lost by readers",
      `${compared.lost} lost, ${compared.unexpected} out of sequence`,
    );
    report.expect(dropped === 0, "no reader dropped", `${dropped} dropped`);
  } finally {
    for (const conn of flood) {
      try {
        conn.close();
      } catch {
        // closed by cstabox
      }
    }
    for (const app of apps) app.close();
    await box.stop();
    await sim.kill("SIGTERM");
  }
  return report.result();
}

/** Opens `count` connections; every second one sends an AARQ and then nothing. */
async function openFlood(port: number, count: number, into: Deno.TcpConn[]): Promise<number> {
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(50, count - i) }, async (_, k) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        if ((i + k) % 2 === 0) await writeAll(conn, AARQ_FRAME).catch(() => {});
        return conn;
      }),
    );
    for (const b of batch) if (b.status === "fulfilled") into.push(b.value);
  }
  return into.length;
}

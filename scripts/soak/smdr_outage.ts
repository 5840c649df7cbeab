// Part "smdr-outage": cstabox pushes SMDR records to a collector written here while the simulator makes
// trunk calls; the collector goes away and comes back, then cstabox is SIGKILLed and restarted on the same
// data directory. Every stored record must reach the collector: lost = stored and never received (compared
// by the record's 162 characters); duplicates (the documented replay) are counted.

import { PartReport, type PartResult, sleep, type SoakMode, until } from "./figures.ts";
import { PushCollector } from "../../test/integration/smdr/collectors.ts";
import { startRig } from "./processes.ts";

const RECORD_CHARACTERS = 162; // then CR LF (docs/smdr.md)

export async function smdrOutage(mode: SoakMode): Promise<PartResult> {
  const size = mode.quick
    ? { phaseSeconds: 8, awaySeconds: 8, kills: 1, callsPerMinute: 3000 }
    : { phaseSeconds: 60, awaySeconds: 60, kills: 5, callsPerMinute: 3000 };
  const report = new PartReport("smdr-outage");
  const collector = new PushCollector();
  collector.up();
  let rig;
  try {
    // The history is the largest the product keeps (3000), so every record of the run can be read back.
    // Calls talk 30 s on average: 60 extensions and 16 trunks let enough of them run at once.
    rig = await startRig(["--extensions", "101-160", "--trunks", "16"], {
      smdr: { pushEnabled: true, pushHost: "127.0.0.1", pushPort: collector.port, historySize: 3000 },
    });
  } catch (error) {
    await collector.down();
    throw error;
  }
  const { sim, box } = rig;
  try {
    // Lines are loaded from the PBX at the first connection; call tracking then monitors them.
    await until(async () => {
      const calls = (await box.api("/api/status"))?.services as Record<string, { state: string }> | undefined;
      return calls?.["call-tracker"]?.state === "running";
    }, 60_000);
    await sim.command(`traffic ${size.callsPerMinute}`);
    await sleep(size.phaseSeconds * 1000);
    await collector.down();
    await sleep(size.awaySeconds * 1000);
    collector.up();
    await sleep(size.phaseSeconds * 1000);
    for (let kill = 0; kill < size.kills; kill++) {
      await box.killAndRestart();
      await sleep(size.phaseSeconds * 1000);
    }
    await sim.command("traffic off");
    // Calls under way end; then wait for the stream to settle (nothing new for 5 s, backlog empty).
    let count = -1;
    await until(async () => {
      const settled = collector.all().length === count;
      count = collector.all().length;
      const smdr = await box.api("/api/smdr/status");
      return settled && (smdr?.details as { backlog?: number } | undefined)?.backlog === 0;
    }, 120_000);
    await sleep(5000);
    const stored = await box.api("/api/smdr/records?limit=3000");
    const records = (stored?.records ?? []) as { position: number; record: string }[];
    const storedTexts = new Set(records.map((r) => r.record.replace(/\r\n$/, "")));
    // A record stored just before the read may still be on its way: give it 15 s to arrive.
    await until(() => {
      const received = new Set(collector.all());
      return [...storedTexts].every((r) => received.has(r));
    }, 15_000);
    const receivedTexts = new Set(collector.all());
    const lost = [...storedTexts].filter((r) => !receivedTexts.has(r)).length;
    const unknown = [...receivedTexts].filter((r) => !storedTexts.has(r)).length;
    const malformed = collector.all().filter((r) => r.length !== RECORD_CHARACTERS).length;
    const positions = records.map((r) => r.position);
    report.set("records stored", records.length);
    report.set(
      "stored positions (first-last)",
      positions.length ? `${Math.min(...positions)}-${Math.max(...positions)}` : "none",
    );
    report.set("records received (with replays)", collector.all().length);
    report.set("distinct records received", receivedTexts.size);
    report.set("records lost (stored, never received)", lost);
    report.set(
      "duplicates received (replayed on reconnect, documented)",
      collector.all().length - receivedTexts.size,
    );
    report.set("received but not in the store (or older than the 3000 compared)", unknown);
    report.set("records not 162 characters + CR LF", malformed);
    report.set("collector connections", collector.connections.length);
    // Which reconnect repeated what: the first connection, then the one after the collector's outage, then
    // one after each SIGKILL. The bound (docs/smdr.md): at most what followed the read position, and never
    // more than pushReplayBytes (10 MiB, about 64,000 records) per connection.
    const seen = new Set<string>();
    const repeated = collector.connections.map((lines) => {
      const again = lines.filter((line) => seen.has(line)).length;
      for (const line of lines) seen.add(line);
      return again;
    });
    report.set(
      "records repeated per connection (first, after the outage, after each SIGKILL)",
      repeated.join(" "),
    );
    const bound = Math.floor(10 * 1024 * 1024 / (RECORD_CHARACTERS + 2));
    report.expect(
      repeated.every((n) => n <= bound),
      "no connection repeats more than pushReplayBytes' worth",
      `${Math.max(...repeated)} records, bound ${bound}`,
    );
    report.set("cstabox SIGKILLs", size.kills);
    report.expect(records.length > 0, "records made", "no SMDR record was stored");
    report.expect(
      records.length < 3000,
      "all records compared",
      "3000 or more stored: older ones are outside the API's reach",
    );
    report.expect(lost === 0, "no record lost", `${lost} of ${storedTexts.size} never received`);
    report.expect(malformed === 0, "every record 162 characters", `${malformed} not`);
    report.expect(box.alive(), "cstabox alive after the restarts", "it exited");
  } finally {
    await collector.down();
    await box.stop();
    await sim.kill("SIGTERM");
  }
  return report.result();
}

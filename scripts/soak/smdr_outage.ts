// Part "smdr-outage": cstabox pushes SMDR records to a collector written here while the simulator makes
// trunk calls; the collector goes away and comes back, then cstabox is SIGKILLed and restarted on the same
// data directory. Every stored record must reach the collector: lost = stored and never received (compared
// by the record's 162 characters); duplicates (the documented replay) are counted.

import { PartReport, type PartResult, sleep, type SoakMode, until } from "./figures.ts";
import { CstaboxUnderTest, SimProcess } from "./processes.ts";

const RECORD_BYTES = 164; // 162 characters + CR LF (docs/smdr.md)

/** A push collector on 127.0.0.1 that can go away (listener and connection closed) and come back. */
class Collector {
  readonly received: string[] = [];
  connections = 0;
  #listener?: Deno.TcpListener;
  #conns = new Set<Deno.TcpConn>();
  port = 0;

  open(): void {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    void this.#accept(this.#listener);
  }

  close(): void {
    this.#listener?.close();
    this.#listener = undefined;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    this.#conns.clear();
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        this.connections++;
        this.#conns.add(conn);
        void this.#read(conn);
      }
    } catch {
      // closed
    }
  }

  async #read(conn: Deno.TcpConn): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        pending += decoder.decode(buffer.subarray(0, n), { stream: true });
        let end;
        while ((end = pending.indexOf("\r\n")) >= 0) {
          this.received.push(pending.slice(0, end));
          pending = pending.slice(end + 2);
        }
      }
    } catch {
      // closed by us (away) or by cstabox's death
    }
    this.#conns.delete(conn);
  }
}

export async function smdrOutage(mode: SoakMode): Promise<PartResult> {
  const size = mode.quick
    ? { phaseSeconds: 8, awaySeconds: 8, kills: 1, callsPerMinute: 1200 }
    : { phaseSeconds: 60, awaySeconds: 60, kills: 5, callsPerMinute: 1200 };
  const report = new PartReport("smdr-outage");
  const collector = new Collector();
  collector.open();
  const sim = await SimProcess.start(["--extensions", "101-120", "--trunks", "8"]);
  const box = await CstaboxUnderTest.start(sim.port, {
    // The history is the largest the product keeps (3000), so every record of the run can be read back.
    smdr: { pushEnabled: true, pushHost: "127.0.0.1", pushPort: collector.port, historySize: 3000 },
  }).catch(async (error) => {
    collector.close();
    await sim.kill("SIGTERM"); // started above: never left behind
    throw error;
  });
  try {
    // Lines are loaded from the PBX at the first connection; call tracking then monitors them.
    await until(async () => {
      const calls = (await box.api("/api/status"))?.services as Record<string, { state: string }> | undefined;
      return calls?.["call-tracker"]?.state === "running";
    }, 60_000);
    await sim.command(`traffic ${size.callsPerMinute}`);
    await sleep(size.phaseSeconds * 1000);
    collector.close();
    await sleep(size.awaySeconds * 1000);
    collector.open();
    await sleep(size.phaseSeconds * 1000);
    for (let kill = 0; kill < size.kills; kill++) {
      await box.killAndRestart();
      await sleep(size.phaseSeconds * 1000);
    }
    await sim.command("traffic off");
    // Calls under way end; then wait for the stream to settle (nothing new for 5 s, backlog empty).
    let count = -1;
    await until(async () => {
      const settled = collector.received.length === count;
      count = collector.received.length;
      const smdr = await box.api("/api/smdr/status");
      return settled && (smdr?.details as { backlog?: number } | undefined)?.backlog === 0;
    }, 120_000);
    await sleep(5000);
    const stored = await box.api("/api/smdr/records?limit=3000");
    const records = (stored?.records ?? []) as { position: number; record: string }[];
    const storedTexts = new Set(records.map((r) => r.record.replace(/\r\n$/, "")));
    const receivedTexts = new Set(collector.received);
    const lost = [...storedTexts].filter((r) => !receivedTexts.has(r)).length;
    const unknown = [...receivedTexts].filter((r) => !storedTexts.has(r)).length;
    const malformed = collector.received.filter((r) => r.length + 2 !== RECORD_BYTES).length;
    const positions = records.map((r) => r.position);
    report.set("records stored", records.length);
    report.set(
      "stored positions (first-last)",
      positions.length ? `${Math.min(...positions)}-${Math.max(...positions)}` : "none",
    );
    report.set("records received (with replays)", collector.received.length);
    report.set("distinct records received", receivedTexts.size);
    report.set("records lost (stored, never received)", lost);
    report.set(
      "duplicates received (replayed on reconnect, documented)",
      collector.received.length - receivedTexts.size,
    );
    report.set("received but not in the store (or older than the 3000 compared)", unknown);
    report.set("records not 164 bytes", malformed);
    report.set("collector connections", collector.connections);
    report.set("cstabox SIGKILLs", size.kills);
    report.expect(records.length > 0, "records made", "no SMDR record was stored");
    report.expect(
      records.length < 3000,
      "all records compared",
      "3000 or more stored: older ones are outside the API's reach",
    );
    report.expect(lost === 0, "no record lost", `${lost} of ${storedTexts.size} never received`);
    report.expect(malformed === 0, "every record 164 bytes", `${malformed} not`);
    report.expect(box.alive(), "cstabox alive after the restarts", "it exited");
  } finally {
    collector.close();
    await box.stop();
    await sim.kill("SIGTERM");
  }
  return report.result();
}

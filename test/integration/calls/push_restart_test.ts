// Issue 9 acceptance: cstabox in demo mode (simulator traffic -> CallTracker -> SMDR) as a child process;
// the push collector goes away, cstabox is killed with SIGKILL and started again meanwhile, and when the
// collector returns it receives every record, in order, none missing. The outage is a few seconds here:
// what is proven does not depend on its length. The test waits for a few records in each phase. While
// cstabox runs its database is its own (exclusive locking), so records are read through the API then, and
// from the file only after cstabox has stopped.

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../../support/cstabox_process.ts";
import { PushCollector } from "../smdr/collectors.ts";
import { waitUntil } from "../../support/wait_until.ts";

const PASSWORD = "push-restart";

/** The records a running cstabox has stored, oldest first, from its SMDR API. */
async function apiRecords(box: CstaboxProcess): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${box.port("http")}/api/smdr/records?limit=3000`, {
    headers: { authorization: `Basic ${btoa(`admin:${PASSWORD}`)}` },
  });
  if (!res.ok) throw new Error(`GET /api/smdr/records: ${res.status} ${await res.text()}`);
  const body = await res.json() as { records: { position: number; record: string }[] };
  return body.records.sort((a, b) => a.position - b.position).map((r) => r.record);
}

/** The records in the database file of a stopped cstabox, oldest first. */
function storedRecords(dataDir: string): { first: number; records: string[] } {
  const db = new DatabaseSync(join(dataDir, "cstabox.db"), { readOnly: true });
  try {
    const rows = db.prepare("SELECT position, record FROM smdr_record ORDER BY position").all() as {
      position: number;
      record: string;
    }[];
    return { first: rows[0]?.position ?? 1, records: rows.map((r) => r.record) };
  } finally {
    db.close();
  }
}

/**
 * Joins what the collector got over its connections into one sequence: push mode is at least once, so a
 * connection may start by repeating the last records of the one before; anything else is a gap or a
 * reordering. Returns the sequence, or throws naming the first record that does not fit.
 */
function delivered(connections: string[][], stored: string[]): string[] {
  let next = 0;
  for (const [index, lines] of connections.entries()) {
    if (lines.length === 0) continue;
    let start = -1;
    for (let j = next; j >= 0 && j >= next - 50; j--) {
      if (lines.every((line, k) => j + k >= stored.length ? true : stored[j + k] === line)) {
        start = j;
        break;
      }
    }
    if (start < 0) {
      throw new Error(`connection ${index} does not continue the stored sequence at ${next}: ${lines[0]}`);
    }
    next = Math.max(next, start + lines.length);
  }
  return stored.slice(0, next);
}

const settings = (pushPort: number) =>
  `demo:
  enabled: true
  trafficCallsPerMinute: 400
  # Enough CO lines that trunk calls (the ones with records) never wait for a line to come free.
  trunks: 60
smdr:
  pushEnabled: true
  pushHost: 127.0.0.1
  pushPort: ${pushPort}
  historySize: 3000
`;

Deno.test({
  name:
    "push collector away while cstabox is SIGKILLed and restarted: when it returns it receives every record, in order",
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-push-restart-" });
    const collector = new PushCollector();
    collector.up();
    await Deno.writeTextFile(join(dataDir, "cstabox.yaml"), settings(collector.port));
    const args = ["--data-dir", dataDir, ...loopbackFlags, "--admin-password", PASSWORD];
    let box: CstaboxProcess | undefined;
    try {
      box = await startCstabox(args, { timeoutMs: 30_000 });
      await collector.until(
        () => collector.all().length >= 5,
        60_000,
        () =>
          `the collector got ${collector.all().length} records from simulator traffic; cstabox must run the ` +
          `call tracker in demo mode (app.ts wiring, docs/calls.md)`,
      );

      // The collector goes away; records go on being made and kept.
      await collector.down();
      const running = box;
      const beforeKill = (await apiRecords(running)).length;
      await waitUntil(
        async () => (await apiRecords(running)).length >= beforeKill + 5,
        60_000,
        () => "records while away",
        50, // each poll fetches the records over HTTP
      );
      // The count just before the kill: records stored after it and before the kill only make it smaller.
      const afterKill = (await apiRecords(running)).length;
      await box.stop("SIGKILL");

      box = await startCstabox(args, { timeoutMs: 30_000 });
      const restarted = box;
      await waitUntil(
        async () => (await apiRecords(restarted)).length >= afterKill + 5,
        60_000,
        () => "records after the restart",
        50, // each poll fetches the records over HTTP
      );

      // The collector returns and catches up with everything stored so far, then with live records.
      const storedWhileAway = (await apiRecords(restarted)).length;
      collector.up(collector.port);
      await waitUntil(
        async () => {
          try {
            return delivered(collector.connections, await apiRecords(restarted)).length >=
              storedWhileAway + 3;
          } catch {
            return false;
          }
        },
        60_000,
        () => `the collector has ${collector.all().length} lines of ${storedWhileAway}+ stored`,
        50, // each poll fetches the records over HTTP
      );
      assert.equal(await box.stop("SIGTERM"), 0);
      box = undefined;

      const { first, records } = storedRecords(dataDir);
      assert.equal(first, 1, "nothing was pruned: the whole stream can be compared");
      const got = delivered(collector.connections, records);
      assert.deepEqual(got, records.slice(0, got.length), "every record, in order, none missing");
      assert.ok(got.length >= storedWhileAway + 3);
      assert.ok(collector.connections.length >= 2, "the collector was reconnected to");
      console.log(
        `${records.length} records stored (${beforeKill} before the outage, ${afterKill} at the kill); ` +
          `${got.length} delivered over ${collector.connections.length} connections`,
      );
    } finally {
      await box?.stop("SIGKILL");
      await collector.down();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

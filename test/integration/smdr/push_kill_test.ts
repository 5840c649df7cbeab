import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Outbox } from "../../../src/smdr/outbox.ts";
import { parseRecord } from "../../../src/smdr/record.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { PushCollector, withTimeout } from "./collectors.ts";

const harness = fileURLToPath(new URL("./push_harness.ts", import.meta.url));
const serialOf = (line: string) => Number(parseRecord(line).callId.slice(14));

/** The harness as a child process, with its stdout lines and the last serial it reported. */
class Harness {
  child: Deno.ChildProcess;
  lines: string[] = [];
  stderr = "";
  submitted = 0;
  #waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(dataDir: string, port: number) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", harness, dataDir, String(port), "400"],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    void this.#readStdout();
    void this.#readStderr();
  }

  /** Resolves with the first stdout line (from now on) that passes `test`. */
  line(test: (line: string) => boolean, what: string): Promise<string> {
    const found = this.lines.find(test);
    if (found) return Promise.resolve(found);
    return withTimeout(
      new Promise<string>((resolve) => this.#waiters.push({ test, resolve })),
      20_000,
      () => `harness never printed ${what}; stderr: ${this.stderr.slice(-2000)}`,
    );
  }

  /** Waits until the harness has submitted `count` more records than now. */
  async more(count: number): Promise<void> {
    const target = this.submitted + count;
    await this.line(
      (l) => l.startsWith("submitted ") && Number(l.slice(10)) >= target,
      `submitted ${target}`,
    );
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.child.stderr.pipeThrough(new TextDecoderStream())) this.stderr += chunk;
  }

  async #readStdout(): Promise<void> {
    let partial = "";
    for await (const chunk of this.child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        if (line.startsWith("submitted ")) this.submitted = Number(line.slice(10));
        for (const waiter of [...this.#waiters]) {
          if (waiter.test(line)) {
            this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    }
  }

  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    const status = await this.child.status;
    assert.equal(status.signal, "SIGKILL");
  }
}

/** The push target's read position (where a new connection starts) as the killed process left it. */
function storedReadPosition(dataDir: string): number {
  const db = openDatabase(join(dataDir, "cstabox.db"));
  try {
    const outbox = new Outbox(() => db);
    const cursor = outbox.pushReadPosition()!;
    // Serials and positions coincide in this test only if every record is the harness's: check it.
    const [record] = outbox.after(cursor, 1);
    assert.ok(!record || serialOf(record.record) === record.position);
    return cursor;
  } finally {
    db.close();
  }
}

Deno.test({
  name:
    "push: collector down, cstabox SIGKILLed and restarted twice; every record arrives in order, none missing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-smdr-kill-" });
    const collector = new PushCollector();
    collector.up();
    const port = collector.port;
    const harnesses: Harness[] = [];
    const start = () => {
      const h = new Harness(dataDir, port);
      harnesses.push(h);
      return h;
    };
    try {
      // 1. Traffic flows to the collector.
      let h = start();
      await h.line((l) => l === "harness ready next=1", "ready next=1");
      await collector.until(
        () => collector.all().length >= 100,
        20_000,
        () => `${collector.all().length} lines`,
      );
      await h.more(600); // longer than the settle time, so part of the stream is acknowledged

      // 2. The collector goes away; records keep coming; cstabox is killed and started again meanwhile.
      await collector.down();
      await h.more(200);
      await h.kill();
      const readAtFirstKill = storedReadPosition(dataDir);
      h = start();
      const ready = await h.line((l) => l.startsWith("harness ready"), "ready");
      const resumedAt = Number(ready.split("=")[1]);
      await h.more(200);

      // 3. The collector returns; then cstabox is killed again while connected and sending.
      collector.up(port);
      await collector.until(
        () => collector.connections.length >= 2 && collector.connections[1].length > 0,
        20_000,
        () => "the collector did not get a second connection",
      );
      await h.more(600);
      await h.kill();
      const readAtSecondKill = storedReadPosition(dataDir);
      h = start();
      await h.line((l) => l.startsWith("harness ready"), "ready");
      await h.more(200);

      // 4. A clean stop; the collector must end with every record.
      h.child.kill("SIGTERM");
      const stopped = await h.line((l) => l.startsWith("harness stopped"), "stopped");
      const last = Number(stopped.split("=")[1]);
      await collector.until(
        () => collector.all().some((l) => serialOf(l) === last),
        20_000,
        () => `collector has ${collector.all().length} lines, waiting for ${last}`,
      );

      const streams = collector.connections.map((lines) => lines.map(serialOf));
      assert.equal(streams.length, 3, "one connection per run of the process while the collector was up");
      // The documented boundary, exactly: a restarted process resumes right after the position the
      // collector was shown to have read; what repeats is what was written but not shown read.
      assert.equal(streams[1][0], readAtFirstKill + 1);
      assert.equal(streams[2][0], readAtSecondKill + 1);
      assert.ok(readAtFirstKill <= streams[0].at(-1)!, "nothing counts as read that was not written");
      assert.ok(readAtSecondKill <= streams[1].at(-1)! && readAtSecondKill >= readAtFirstKill);
      assert.ok(resumedAt > 100, "the restarted harness numbered on from the records in the store");
      // Within a connection: consecutive, in order. Across connections: each starts no later than one
      // past the highest serial received so far (no gap); it may repeat a tail of earlier connections
      // (records written but not shown read when the connection or the process ended).
      let highest = 0;
      let repeated = 0;
      for (const [k, stream] of streams.entries()) {
        if (stream.length === 0) continue;
        for (let i = 1; i < stream.length; i++) {
          assert.equal(
            stream[i],
            stream[i - 1] + 1,
            `connection ${k} jumps at ${i}: ${stream[i - 1]} -> ${stream[i]}`,
          );
        }
        assert.ok(
          stream[0] <= highest + 1,
          `connection ${k} starts at ${stream[0]}, after ${highest}: a gap`,
        );
        repeated += Math.max(0, Math.min(highest, stream.at(-1)!) - stream[0] + 1);
        highest = Math.max(highest, stream.at(-1)!);
      }
      assert.equal(highest, last, "the last record arrived");
      assert.equal(streams[0][0], 1, "the first record arrived");
      assert.ok(collector.all().every((l) => l.length === 162));
      console.log(
        `records ${last}; read at the kills ${readAtFirstKill}, ${readAtSecondKill}; ` +
          `connections ${streams.map((s) => `${s[0]}..${s.at(-1)}`).join(", ")}; repeated ${repeated}`,
      );
    } finally {
      for (const h of harnesses) {
        try {
          h.child.kill("SIGKILL");
        } catch {
          // exited already
        }
        await h.child.status;
      }
      await collector.down();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

// The processes a soak part runs: the simulated PBX (`src/sim/main.ts`, driven through its console) and
// cstabox (the real entry point, restartable on the same data directory), with their /proc figures.

import { fileURLToPath } from "node:url";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../../test/support/cstabox_process.ts";

const simEntry = fileURLToPath(new URL("../../src/sim/main.ts", import.meta.url));
export const ADMIN_PASSWORD = "Soak-Harness-7421-Loopback";

/** The part of the simulator's console `status` the soak reads (docs/simulator.md). */
export interface SimStatus {
  associationsServed: number;
  eventReportsSent: number;
  traffic?: { offered: number; started: number; blocked: number };
}

/** The simulator as a child process; faults go through its standard-input console. */
export class SimProcess {
  private constructor(
    readonly child: Deno.ChildProcess,
    readonly port: number,
    private readonly stdin: WritableStreamDefaultWriter<Uint8Array>,
  ) {}

  /** Starts `deno task sim` with `args`; `port` 0 takes a free one (a restart passes the old one). */
  static async start(args: string[], port = 0): Promise<SimProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", "--allow-env", simEntry, "--port", String(port), ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    let listening: number | undefined;
    const until = Date.now() + 60_000;
    while (listening === undefined) {
      if (Date.now() > until) throw new Error(`simulator did not start: ${output}`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`simulator exited: ${output}`);
      output += value;
      const match = /cstabox-sim listening [^:]+:(\d+)/.exec(output);
      if (match) listening = Number(match[1]);
    }
    const sim = new SimProcess(child, listening, child.stdin.getWriter());
    // Keep draining the console's replies so its pipe never fills; `ask` picks its answer from them.
    void (async () => {
      let pending = output.slice(output.indexOf("\n") + 1);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          pending += value;
          let newline;
          while ((newline = pending.indexOf("\n")) >= 0) {
            sim.#onLine(pending.slice(0, newline));
            pending = pending.slice(newline + 1);
          }
        }
      } catch {
        // exited
      }
    })();
    return sim;
  }

  #waiters: { prefix: string; resolve: (line: string) => void }[] = [];

  #onLine(line: string): void {
    const at = this.#waiters.findIndex((w) => line.startsWith(w.prefix));
    if (at >= 0) this.#waiters.splice(at, 1)[0].resolve(line);
  }

  /** Types one console command (drop, hang, resume, slow MS, malformed, traffic N|off, talk S). */
  async command(line: string): Promise<void> {
    await this.stdin.write(new TextEncoder().encode(line + "\n"));
  }

  /** Types a command and returns its reply, the next console line that starts with `prefix` (10 s bound). */
  async ask(line: string, prefix: string): Promise<string> {
    const reply = Promise.withResolvers<string>();
    this.#waiters.push({ prefix, resolve: reply.resolve });
    await this.command(line);
    const timer = setTimeout(
      () => reply.reject(new Error(`simulator: no reply to "${line}" in 10 s`)),
      10_000,
    );
    try {
      return await reply.promise;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The PBX's own count: EventReports sent over the current association per monitored device. */
  async eventReportsByDevice(): Promise<Record<string, number>> {
    return JSON.parse((await this.ask("events", "events ")).slice("events ".length));
  }

  /** The simulator's `status` details: associations served, and what the random traffic carried. */
  async status(): Promise<SimStatus> {
    return JSON.parse(await this.ask("status", "{"));
  }

  /** Ends the simulator, by its PID (SIGKILL: the PBX vanishes without a word). */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
    await this.child.status;
  }
}

/** cstabox as a child process, with its data directory kept so a SIGKILL can be followed by a restart. */
export class CstaboxUnderTest {
  private constructor(public process: CstaboxProcess, readonly dataDir: string, readonly args: string[]) {}

  /** Starts cstabox with `settings` in a new data directory (under `parent`, when given). */
  static async start(
    pbxPort: number,
    settings: Record<string, unknown>,
    parent?: string,
  ): Promise<CstaboxUnderTest> {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-soak-", dir: parent });
    await Deno.writeTextFile(`${dataDir}/cstabox.yaml`, JSON.stringify(settings) + "\n");
    const args = [
      ...loopbackFlags,
      "--data-dir",
      dataDir,
      "--pbx",
      `127.0.0.1:${pbxPort}`,
      "--log-level",
      "warn",
    ];
    const process = await startCstabox(args, {
      env: { CSTABOX_ADMIN_PASSWORD: ADMIN_PASSWORD },
      timeoutMs: 120_000,
    });
    return new CstaboxUnderTest(process, dataDir, args);
  }

  get pid(): number {
    return this.process.child.pid;
  }

  port(name: "csta-tcp" | "http" | "smdr"): number {
    return this.process.port(name);
  }

  /** SIGKILL, then start again on the same data directory (ports are new). */
  async killAndRestart(): Promise<void> {
    await this.process.stop("SIGKILL");
    this.process = await startCstabox(this.args, {
      env: { CSTABOX_ADMIN_PASSWORD: ADMIN_PASSWORD },
      timeoutMs: 120_000,
    });
  }

  /** GET an authenticated JSON API; undefined when cstabox does not answer. */
  async api(path: string): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port("http")}${path}`, {
        headers: { authorization: `Basic ${btoa(`admin:${ADMIN_PASSWORD}`)}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) {
        await res.body?.cancel();
        return undefined;
      }
      return await res.json();
    } catch {
      return undefined;
    }
  }

  /** The largest event-loop delay since the last call, from /metrics (seconds). */
  async eventLoopDelayMax(): Promise<number> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port("http")}/metrics`, {
        headers: { authorization: `Basic ${btoa(`admin:${ADMIN_PASSWORD}`)}` },
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      const match = /^cstabox_event_loop_delay_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
      return match ? Number(match[1]) : NaN;
    } catch {
      return NaN;
    }
  }

  /** Why cstabox disconnected applications (its log's "application disconnected" lines), by reason. */
  disconnectReasons(): Record<string, number> {
    const reasons: Record<string, number> = {};
    for (const line of this.process.stderr().split("\n")) {
      if (!line.includes("application disconnected")) continue;
      let reason = "unparsed";
      try {
        reason = String(JSON.parse(line).reason ?? "none");
      } catch {
        // a text-format line: keep "unparsed"
      }
      // Numbers (bytes, ms) vary per application; the words say why.
      reason = reason.replace(/\d+/g, "N");
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    return reasons;
  }

  /** Whether the process is still running (not exited or crashed). */
  alive(): boolean {
    try {
      return Deno.statSync(`/proc/${this.pid}`).isDirectory &&
        !/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${this.pid}/status`));
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    await this.process.stop("SIGTERM");
    await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
  }
}

/** Resident memory of a process in MB (VmRSS), from /proc. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The simulator and a cstabox pointed at it, answering its API; a failed start leaves nothing running. */
export async function startRig(
  simArgs: string[],
  settings: Record<string, unknown>,
  dataParent?: string,
): Promise<{ sim: SimProcess; box: CstaboxUnderTest }> {
  const sim = await SimProcess.start(simArgs);
  try {
    const box = await CstaboxUnderTest.start(sim.port, settings, dataParent);
    const end = Date.now() + 60_000;
    while ((await box.api("/api/status")) === undefined) {
      if (Date.now() > end) {
        await box.stop();
        throw new Error("cstabox's API did not answer in 60 s");
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return { sim, box };
  } catch (error) {
    await sim.kill("SIGTERM");
    throw error;
  }
}

// "Test connection" on the PBX page: resolve the host, open TCP, send the Panasonic AARQ and read the
// AARE, then release. Each step is reported in plain words with its time, so the administrator sees
// where it stops (name unknown, port closed, not a CSTA port, association refused).

import { type Clock, systemClock, withinTime } from "../clock.ts";
import { decodeAcse, encodeRlrq, panasonicAarq } from "../csta/acse.ts";
import { encodeFrame, FrameReassembler } from "../csta/framing.ts";
import { errorText } from "../log/error_text.ts";
import { writeAll } from "../net/conn_io.ts";

export interface PbxProbeTarget {
  host: string;
  port: number;
  /** Per step; default 5 s. */
  timeoutMs?: number;
}

export type PbxProbeStepName = "resolve" | "connect" | "associate" | "release";

export interface PbxProbeStep {
  step: PbxProbeStepName;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface PbxProbeReport {
  ok: boolean;
  target: string;
  /** One sentence: what happened. */
  summary: string;
  steps: PbxProbeStep[];
}

export interface PbxProbeOptions {
  connect?: (host: string, port: number) => Promise<Deno.Conn>;
  resolve?: (host: string) => Promise<string[]>;
  /** The DNS lookup the default `resolve` makes (Deno.resolveDns). */
  resolveDns?: (host: string, type: "A" | "AAAA") => Promise<string[]>;
  /** Times each step and bounds it by `timeoutMs`. */
  clock?: Clock;
}

class StepTimeout extends Error {}

/** Runs the probe; never throws, every failure is a step with `ok: false`. */
export async function probePbx(
  target: PbxProbeTarget,
  options: PbxProbeOptions = {},
): Promise<PbxProbeReport> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = target.timeoutMs ?? 5_000;
  const name = target.host.includes(":")
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
  const steps: PbxProbeStep[] = [];
  const report = (ok: boolean, summary: string): PbxProbeReport => ({ ok, target: name, summary, steps });
  const timed = async <T>(step: PbxProbeStepName, work: () => Promise<T>) => {
    const started = clock.monotonic();
    try {
      const value = await withinTime(clock, work(), timeoutMs, () => new StepTimeout());
      return { ok: true as const, value, ms: Math.round(clock.monotonic() - started) };
    } catch (error) {
      return { ok: false as const, error, ms: Math.round(clock.monotonic() - started), step };
    }
  };

  if (!target.host) return report(false, "No PBX host is set: enter the PBX's host name or IP address.");

  if (!isIpLiteral(target.host)) {
    const resolved = await timed(
      "resolve",
      () => (options.resolve ?? ((host) => resolveHost(host, options.resolveDns)))(target.host),
    );
    if (!resolved.ok) {
      const detail = resolved.error instanceof StepTimeout
        ? `no answer from the name server within ${timeoutMs / 1000} s`
        : `the name ${target.host} is not known (${errorText(resolved.error)})`;
      steps.push({ step: "resolve", ok: false, detail, ms: resolved.ms });
      return report(false, `The host name ${target.host} could not be resolved.`);
    }
    steps.push({
      step: "resolve",
      ok: true,
      detail: `${target.host} is ${resolved.value.join(", ")}`,
      ms: resolved.ms,
    });
  }

  const attempt = (options.connect ?? tcpConnect)(target.host, target.port);
  const connected = await timed("connect", () => attempt);
  if (!connected.ok) {
    // A connection that opens after the time limit is closed at once.
    attempt.then((late) => late.close(), () => {});
    steps.push({
      step: "connect",
      ok: false,
      detail: describeConnectFailure(connected.error, target, timeoutMs),
      ms: connected.ms,
    });
    return report(false, `No TCP connection to ${name}.`);
  }
  steps.push({ step: "connect", ok: true, detail: `TCP connection to ${name} open`, ms: connected.ms });
  const conn = connected.value;
  const frames = new FrameReader(conn);
  try {
    const associated = await timed("associate", async () => {
      await writeAll(conn, encodeFrame(panasonicAarq()));
      return await frames.next();
    });
    if (!associated.ok) {
      const detail = associated.error instanceof StepTimeout
        ? `no answer to the association request within ${
          timeoutMs / 1000
        } s: the port is open but does not speak CSTA (is it the PBX's CTI port?)`
        : `the connection failed during the association: ${errorText(associated.error)}`;
      steps.push({ step: "associate", ok: false, detail, ms: associated.ms });
      return report(false, "The PBX did not accept a CSTA association.");
    }
    const answer = describeAssociateAnswer(associated.value);
    steps.push({ step: "associate", ok: answer.ok, detail: answer.detail, ms: associated.ms });
    if (!answer.ok) return report(false, "The PBX did not accept a CSTA association.");

    const released = await timed("release", async () => {
      await writeAll(conn, encodeFrame(encodeRlrq()));
      // The PBX may send SystemStatus first; wait for the release answer or the close. §2.5 [?]
      for (;;) {
        const frame = await frames.next();
        if (frame === null || frame[0] === 0x63 || frame[0] === 0x64) return frame;
      }
    });
    steps.push({
      step: "release",
      ok: true,
      detail: released.ok
        ? released.value === null ? "the PBX closed the connection" : "association released"
        : "no release answer; connection closed",
      ms: released.ms,
    });
    return report(true, `The PBX at ${name} accepted a CSTA association.`);
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the far end
    }
  }
}

function describeAssociateAnswer(frame: Uint8Array | null): { ok: boolean; detail: string } {
  if (frame === null) return { ok: false, detail: "the far end closed the connection without answering" };
  let apdu;
  try {
    apdu = decodeAcse(frame);
  } catch {
    return {
      ok: false,
      detail: `the answer is not a CSTA association answer (starts ${
        hexStart(frame)
      }): is this the CTI port?`,
    };
  }
  if (apdu.kind !== "aare") {
    return { ok: false, detail: `the far end answered ${apdu.kind.toUpperCase()} instead of AARE` };
  }
  if (apdu.result === "accepted" || apdu.result === 0) {
    return {
      ok: true,
      detail: `association accepted (context ${apdu.applicationContextName ?? "not given"})`,
    };
  }
  const diagnostic = apdu.resultSourceDiagnostic
    ? `, ${apdu.resultSourceDiagnostic.kind}: ${apdu.resultSourceDiagnostic.value}`
    : "";
  return {
    ok: false,
    detail: `association refused (${apdu.result}${diagnostic}); another CTI application may hold the PBX`,
  };
}

function describeConnectFailure(error: unknown, target: PbxProbeTarget, timeoutMs: number): string {
  if (error instanceof StepTimeout) {
    return `no answer within ${timeoutMs / 1000} s: the host is down, or a firewall drops the packets`;
  }
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `connection refused: nothing listens on port ${target.port} (is CTI enabled on the PBX, and is the port right?)`;
  }
  return errorText(error);
}

/** Reads whole frames from a connection, one at a time; null once the far end has closed. */
class FrameReader {
  #queue: Uint8Array[] = [];
  #reassembler = new FrameReassembler();
  #closed = false;
  #start: Uint8Array = new Uint8Array(0);
  constructor(private readonly conn: Deno.Conn) {}

  /**
   * The next frame. Bytes whose length prefix announces more than an association answer can hold are
   * not CSTA (an HTTP or Telnet greeting, say): they are returned as they are, to be reported.
   */
  async next(): Promise<Uint8Array | null> {
    const buffer = new Uint8Array(4096);
    while (this.#queue.length === 0 && !this.#closed) {
      const n = await this.conn.read(buffer);
      if (n === null) {
        this.#closed = true;
        break;
      }
      if (this.#start.length < 8) this.#start = joined(this.#start, buffer.subarray(0, Math.min(n, 8)));
      try {
        this.#reassembler.push(buffer.subarray(0, n), (apdu) => this.#queue.push(apdu.slice()));
      } catch {
        return this.#start;
      }
      if (
        this.#queue.length === 0 && this.#start.length >= 2 &&
        ((this.#start[0] << 8) | this.#start[1]) > MAX_ANSWER
      ) {
        return this.#start;
      }
    }
    return this.#queue.shift() ?? null;
  }
}

/** No ACSE answer is anywhere near this long; a bigger length prefix means the port speaks something else. */
const MAX_ANSWER = 4096;

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function tcpConnect(host: string, port: number): Promise<Deno.Conn> {
  return await Deno.connect({ hostname: host, port });
}

async function resolveHost(
  host: string,
  resolveDns: NonNullable<PbxProbeOptions["resolveDns"]> = (name, type) => Deno.resolveDns(name, type),
): Promise<string[]> {
  const results = await Promise.allSettled([resolveDns(host, "A"), resolveDns(host, "AAAA")]);
  const addresses = results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
  if (addresses.length > 0) return addresses;
  const failures = results.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
  // Deno's resolver speaks in its own debug text ("proto error: no records found for Query { … }").
  if (failures.length === 0 || failures.every((e) => e instanceof Deno.errors.NotFound)) {
    throw new Error("no DNS record for it");
  }
  const text = errorText(failures.find((e) => !(e instanceof Deno.errors.NotFound)));
  const plain = text.replace(/^proto error: (io error: )?/, "").replace(/ \(os error \d+\)$/, "").replace(
    / for Query \{.*$/,
    "",
  );
  throw new Error(`the name server did not answer: ${plain}`);
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

function hexStart(bytes: Uint8Array): string {
  return bytes.subarray(0, 6).toHex().toUpperCase().replace(/(..)(?!$)/g, "$1 ");
}

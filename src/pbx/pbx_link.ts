// The one upstream connection to the PBX: connect, associate in the Panasonic form, answer SystemStatus,
// watch liveness, reconnect with back-off, and carry requests with their own invoke IDs and timeouts.
// It knows nothing about applications; the Switchboard decides what frames mean to them.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { decodeAcse, encodeRlre, encodeRlrq, panasonicAarq } from "../csta/acse.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import { encodeFrame, FrameReassembler } from "../csta/framing.ts";
import { Opcode } from "../csta/opcodes.ts";
import { type ApduPeek, type InvokePeek, peekApdu } from "../csta/peek.ts";
import { replaceInvokeId } from "../csta/rewrite.ts";
import { noDataAnswer } from "../csta/rose.ts";
import { systemStatusOf, type SystemStatusValue } from "../csta/system_services.ts";
import { Lifecycle } from "../lifecycle.ts";
import { errorText } from "../log/error_text.ts";
import type { Logger } from "../log/logger.ts";
import { backoffDelay, type BackoffPolicy } from "../net/backoff.ts";
import { type FrameTrace, NO_TRACE } from "../trace/frame_trace.ts";
import { sendAtOnce } from "../net/no_delay.ts";
import { describeWriterFailure, QueuedWriter } from "../net/queued_writer.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { Deadlines } from "../deadlines.ts";
import { InvokeIdAllocator } from "../csta/invoke_ids.ts";
import type { RequestOptions, Upstream, UpstreamOutcome } from "./upstream.ts";

export type LinkState = "disconnected" | "connecting" | "associating" | "ready";

export interface PbxLinkSettings {
  host: string;
  port: number;
  livenessTimeoutSeconds: number;
  reconnectMinSeconds: number;
  reconnectMaxSeconds: number;
  requestTimeoutSeconds: number;
  maxFrameBytes: number;
}

/** What the link reports in its status `details`; the pages import this type. */
export interface PbxLinkDetails {
  state: LinkState;
  since: string;
  host: string;
  port: number;
  /** The last connection or association problem, in plain words, and when it happened. */
  lastError: { message: string; at: string } | null;
  lastSystemStatusAt: string | null;
  nextRetryAt: string | null;
  /** Failed connection attempts since the last association. */
  backoffAttempts: number;
  requestsInFlight: number;
  connects: number;
  reconnects: number;
  framesIn: number;
  framesOut: number;
  requests: number;
  timeouts: number;
  /** Answers that came after their request timed out and were handed to the requester (monitor starts). */
  lateAnswers: number;
  /** Timed-out requests whose late answer is still awaited (each keeps its invoke ID). */
  lateAnswersAwaited: number;
  systemStatusReceived: number;
}

/** What `connectNow` did. */
export type ConnectNowOutcome =
  | { kind: "connecting" }
  | { kind: "alreadyUp" }
  | { kind: "inProgress"; state: LinkState }
  | { kind: "notRunning" };

export interface PbxLinkEvents {
  /** The association is up (after AARE accepted); the Switchboard re-creates monitors here. */
  onReady(): void;
  /** The association is gone; pending requests have already been answered with `linkDown`. */
  onLost(reason: string): void;
  /** Every frame the link does not handle itself: events, PBX invokes, a change of the PBX's SystemStatus. */
  onFrame(apdu: Uint8Array, peek: ApduPeek): void;
  /**
   * The frames given to `onFrame` so far must take effect now: called at the end of every read (the next
   * read reuses the bytes `onFrame` saw) and before the link acts on a frame itself (an answer settles its
   * request at once, so the events read before it must reach applications first).
   */
  onFramesEnd(): void;
}

export interface PbxLinkOptions {
  settings: () => PbxLinkSettings;
  events: PbxLinkEvents;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  connect?: (host: string, port: number) => Promise<Deno.Conn>;
  /** Bytes queued towards the PBX before the link counts as stalled. */
  maxQueuedBytes?: number;
  /** The CSTA trace; every frame both ways is handed to it while one runs. */
  trace?: FrameTrace;
}

interface Pending {
  resolve: (outcome: UpstreamOutcome) => void;
  onAnswer?: RequestOptions["onAnswer"];
  onLateAnswer?: RequestOptions["onLateAnswer"];
  timeoutMs: number;
}

/**
 * Timed-out requests whose late answer is still awaited, at most; past it the oldest gives its invoke ID
 * back. Each holds one of the 32767 IDs until its answer comes or the link drops.
 */
const LATE_ANSWERS_AWAITED = 1000;

export class PbxLink implements Service<PbxLinkDetails>, Upstream {
  readonly name = "pbx-link";
  #options: PbxLinkOptions;
  #clock: Clock;
  #trace: FrameTrace;
  #lifecycle = new Lifecycle();
  #state: LinkState = "disconnected";
  #stateSince: string;
  #running = false;
  #conn?: Deno.Conn;
  #writer?: QueuedWriter;
  #ids = new InvokeIdAllocator();
  #pending = new Map<number, Pending>();
  /** Timed-out requests that want their late answer, by the invoke ID they keep reserved. */
  #late = new Map<number, NonNullable<RequestOptions["onLateAnswer"]>>();
  /** The requests' timeouts, by upstream invoke ID. */
  #deadlines: Deadlines<number>;
  #backoff: BackoffPolicy = { minMs: 1000, maxMs: 60_000 };
  /** Failed connection attempts since the last association. */
  #attempts = 0;
  #livenessTimer?: TimerHandle;
  #reconnectTimer?: TimerHandle;
  #wake?: () => void;
  #loop?: Promise<void>;
  #counters = {
    connects: 0,
    reconnects: 0,
    framesIn: 0,
    framesOut: 0,
    requests: 0,
    timeouts: 0,
    lateAnswers: 0,
    systemStatusReceived: 0,
  };
  #lastError?: { message: string; at: string };
  #lastSystemStatusAt?: string;
  /** The PBX's last SystemStatus value in this association (normal from the AARE on). */
  #pbxStatus: SystemStatusValue | undefined = "normal";
  #nextRetryAt?: string;

  constructor(options: PbxLinkOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#trace = options.trace ?? NO_TRACE;
    this.#stateSince = new Date(this.#clock.now()).toISOString();
    this.#deadlines = new Deadlines(this.#clock, (id) => this.#timedOut(id));
  }

  get state(): LinkState {
    return this.#state;
  }

  get ready(): boolean {
    return this.#state === "ready";
  }

  /** Starts the connect loop; never fails because the PBX is away. */
  start(): Promise<void> {
    // Settings are read here, not at construction, so a restart picks up changed back-off limits.
    const s = this.#options.settings();
    this.#backoff = { minMs: s.reconnectMinSeconds * 1000, maxMs: s.reconnectMaxSeconds * 1000 };
    this.#attempts = 0;
    this.#running = true;
    this.#lifecycle.set("degraded", "connecting to the PBX");
    this.#loop = this.#run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#clock.clearTimeout(this.#reconnectTimer);
    this.#wake?.();
    const conn = this.#conn;
    if (conn && this.#state === "ready") {
      // A graceful release, so the PBX frees its one CTI association at once. §2.5 [D]
      this.#writer?.enqueue(encodeFrame(encodeRlrq()));
      await this.#atMost(500, this.#writer?.drained());
    }
    this.#closeConnection("stopped");
    await this.#loop;
    this.#lifecycle.set("stopped");
  }

  /**
   * Ends the wait before the next connection attempt, so the link tries at once (the PBX page's *Connect
   * now*, e.g. after the PBX came back from a restart while the back-off waits up to
   * `pbx.reconnectMaxSeconds`). Says what it did: nothing while the link is up or already being set up.
   */
  connectNow(): ConnectNowOutcome {
    if (!this.#running) return { kind: "notRunning" };
    if (this.#state === "ready") return { kind: "alreadyUp" };
    const wake = this.#wake;
    if (!wake) return { kind: "inProgress", state: this.#state };
    this.#options.log.info("connecting to the PBX now (asked for), not after the back-off", {
      attempt: this.#attempts,
    });
    this.#nextRetryAt = undefined;
    this.#clock.clearTimeout(this.#reconnectTimer);
    wake();
    return { kind: "connecting" };
  }

  /**
   * Sends an invoke to the PBX under a fresh upstream invoke ID and resolves with its answer (result,
   * error or reject, still carrying the upstream ID), or why there is none. Never rejects.
   */
  request(invoke: Uint8Array, options: RequestOptions = {}): Promise<UpstreamOutcome> {
    if (!this.ready || !this.#writer) return Promise.resolve({ kind: "linkDown" });
    const id = this.#ids.allocate();
    if (id === undefined) return Promise.resolve({ kind: "busy" });
    const apdu = replaceInvokeId(invoke, id);
    this.#counters.requests++;
    return new Promise((resolve) => {
      const timeoutMs = options.timeoutMs ?? this.#options.settings().requestTimeoutSeconds * 1000;
      this.#pending.set(id, {
        resolve,
        timeoutMs,
        onAnswer: options.onAnswer,
        onLateAnswer: options.onLateAnswer,
      });
      this.#deadlines.add(id, timeoutMs);
      this.#send(apdu);
    });
  }

  #timedOut(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (pending.onLateAnswer) this.#awaitLate(id, pending.onLateAnswer);
    else this.#ids.release(id);
    this.#counters.timeouts++;
    this.#options.log.warn("PBX did not answer a request in time", {
      invokeId: id,
      timeoutMs: pending.timeoutMs,
    });
    pending.resolve({ kind: "timeout" });
  }

  #awaitLate(id: number, onLateAnswer: NonNullable<RequestOptions["onLateAnswer"]>): void {
    if (this.#late.size >= LATE_ANSWERS_AWAITED) {
      const oldest = this.#late.keys().next().value!;
      this.#late.delete(oldest);
      this.#ids.release(oldest);
    }
    this.#late.set(id, onLateAnswer);
  }

  /** A late answer to a timed-out request that wants it; false when nobody awaits this ID. */
  #lateAnswer(invokeId: number, apdu: Uint8Array): boolean {
    const onLateAnswer = this.#late.get(invokeId);
    if (!onLateAnswer) return false;
    this.#late.delete(invokeId);
    this.#ids.release(invokeId);
    this.#counters.lateAnswers++;
    const copy = apdu.slice();
    try {
      onLateAnswer(copy, peekApdu(copy) as ApduPeek);
    } catch (error) {
      this.#options.log.error("late answer handler failed", { invokeId, error });
    }
    return true;
  }

  /** Sends a frame that needs no answer, or answers a PBX invoke (it already carries the PBX's ID). */
  send(apdu: Uint8Array): boolean {
    if (!this.#writer || this.#state === "disconnected" || this.#state === "connecting") return false;
    return this.#send(apdu);
  }

  status(): ServiceStatus<PbxLinkDetails> {
    const s = this.#options.settings();
    return this.#lifecycle.snapshot<PbxLinkDetails>({
      details: {
        state: this.#state,
        since: this.#stateSince,
        host: s.host,
        port: s.port,
        lastError: this.#lastError ?? null,
        lastSystemStatusAt: this.#lastSystemStatusAt ?? null,
        nextRetryAt: this.#state === "disconnected" ? this.#nextRetryAt ?? null : null,
        backoffAttempts: this.#attempts,
        requestsInFlight: this.#pending.size,
        lateAnswersAwaited: this.#late.size,
        ...this.#counters,
      },
    });
  }

  #send(apdu: Uint8Array): boolean {
    const writer = this.#writer;
    if (!writer) return false;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(apdu, this.#options.settings().maxFrameBytes);
    } catch (error) {
      this.#options.log.error("frame not sent to the PBX", { error });
      return false;
    }
    this.#counters.framesOut++;
    const recording = this.#trace.active;
    if (recording !== null) recording.pbx("out", apdu);
    return writer.enqueue(frame);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const outcome = await this.#connectOnce();
      if (!this.#running) break;
      if (outcome === "associated") this.#attempts = 0;
      const wait = backoffDelay(this.#attempts++, this.#backoff, this.#options.random ?? Math.random);
      this.#nextRetryAt = new Date(this.#clock.now() + wait).toISOString();
      this.#options.log.info("reconnecting to the PBX", { inMs: wait, attempt: this.#attempts });
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#reconnectTimer = this.#clock.setTimeout(resolve, wait);
      });
      this.#wake = undefined;
      this.#counters.reconnects++;
    }
  }

  /** One connection's life: connect, associate, read until it ends. */
  async #connectOnce(): Promise<"associated" | "failed"> {
    const s = this.#options.settings();
    if (s.host === "") {
      // Never guess a host: an empty one would reach this box itself.
      this.#recordError("no PBX configured (pbx.host is empty)");
      this.#lifecycle.set("degraded", "no PBX configured (pbx.host is empty)");
      return "failed";
    }
    this.#setState("connecting");
    let conn: Deno.Conn;
    try {
      conn = await (this.#options.connect ?? defaultConnect)(s.host, s.port);
    } catch (error) {
      const reason = `cannot connect to ${s.host}:${s.port}: ${errorText(error)}`;
      this.#recordError(reason);
      this.#setState("disconnected");
      this.#lifecycle.set("degraded", `PBX link down: ${reason}`);
      return "failed";
    }
    if (!this.#running) {
      conn.close();
      return "failed";
    }
    sendAtOnce(conn);
    this.#counters.connects++;
    this.#conn = conn;
    this.#writer = new QueuedWriter(conn, {
      maxQueuedBytes: this.#options.maxQueuedBytes ?? 16 * 1024 * 1024,
      drainTimeoutMs: s.requestTimeoutSeconds * 1000,
      onFailure: (failure) => this.#closeConnection(`PBX link stalled: ${describeWriterFailure(failure)}`),
    });
    this.#setState("associating");
    this.#send(panasonicAarq());
    this.#armLiveness(s.requestTimeoutSeconds * 1000, "no AARE from the PBX");
    let associated = false;
    const reassembler = new FrameReassembler({ maxFrameSize: s.maxFrameBytes });
    const buffer = new Uint8Array(64 * 1024);
    let endReason = "the PBX closed the connection";
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        try {
          reassembler.push(buffer.subarray(0, n), (apdu) => {
            const handled = this.#onApdu(apdu);
            if (handled === "associated") associated = true;
          });
        } finally {
          this.#options.events.onFramesEnd();
        }
        if (this.#conn !== conn) break;
      }
    } catch (error) {
      endReason = error instanceof CstaDecodeError
        ? `malformed frame from the PBX: ${error.message}`
        : `connection error: ${errorText(error)}`;
    }
    if (this.#conn === conn) this.#closeConnection(endReason);
    return associated ? "associated" : "failed";
  }

  /** Handles one APDU from the PBX; tells the read loop when the association came up. */
  #onApdu(apdu: Uint8Array): "associated" | undefined {
    this.#counters.framesIn++;
    const recording = this.#trace.active;
    if (recording !== null) recording.pbx("in", apdu);
    const peek = peekApdu(apdu);
    if (peek instanceof CstaDecodeError) {
      this.#options.log.warn("undecodable frame from the PBX ignored", { error: peek.message });
      return;
    }
    if (peek.kind !== "invoke") this.#options.events.onFramesEnd();
    switch (peek.kind) {
      case "aare":
        return this.#onAare(apdu);
      case "rlrq":
        // The PBX ends the association: confirm, then treat the link as lost. §2.5 [?]
        this.#send(encodeRlre());
        this.#closeAfterFlush("the PBX released the association");
        return;
      case "rlre":
      case "abrt":
        this.#closeConnection(`the PBX ended the association (${peek.kind.toUpperCase()})`);
        return;
      case "aarq":
        this.#options.log.warn("AARQ from the PBX ignored");
        return;
      case "invoke":
        if (peek.opcode === Opcode.systemStatus) return void this.#onSystemStatus(apdu, peek);
        this.#options.events.onFrame(apdu, peek);
        return;
      default: {
        if (peek.kind === "reject" && (peek.problem === "returnResult" || peek.problem === "returnError")) {
          // This Reject is about an answer we gave to one of the PBX's own invokes: its ID is in the
          // PBX's ID space, not ours, and must not fail one of our requests. §3 [C-std]
          this.#options.log.warn("the PBX rejected one of our answers", {
            invokeId: peek.invokeId,
            problem: `${peek.problem}/${peek.problemCode}`,
          });
          return;
        }
        const pending = peek.invokeId === null ? undefined : this.#pending.get(peek.invokeId);
        if (!pending && peek.invokeId !== null && this.#lateAnswer(peek.invokeId, apdu)) return;
        if (!pending || peek.invokeId === null) {
          this.#options.log.debug("answer to no pending request ignored", {
            kind: peek.kind,
            invokeId: peek.invokeId,
          });
          return;
        }
        this.#pending.delete(peek.invokeId);
        this.#ids.release(peek.invokeId);
        this.#deadlines.remove(peek.invokeId);
        // The frame is a view of the read buffer; the answer is used after this turn, so copy it.
        const copy = apdu.slice();
        const answerPeek = peekApdu(copy) as ApduPeek;
        try {
          pending.onAnswer?.(copy, answerPeek);
        } catch (error) {
          this.#options.log.error("answer handler failed", { invokeId: peek.invokeId, error });
        }
        pending.resolve({ kind: "answer", apdu: copy, peek: answerPeek });
      }
    }
  }

  #onAare(apdu: Uint8Array): "associated" | undefined {
    if (this.#state !== "associating") return;
    const refusal = aareRefusal(apdu);
    if (refusal) {
      this.#closeConnection(`the PBX refused the association: ${refusal}`);
      return;
    }
    this.#setState("ready");
    this.#pbxStatus = "normal";
    this.#lifecycle.set("running");
    this.#lastError = undefined;
    this.#armLiveness(this.#options.settings().livenessTimeoutSeconds * 1000, "no SystemStatus from the PBX");
    this.#options.log.info("PBX association ready", { host: this.#options.settings().host });
    this.#options.events.onReady();
    return "associated";
  }

  /**
   * SystemStatus is the PBX's heartbeat: answer it, and pass on a change (normal is implied by the
   * association, so its repeats never reach the Switchboard). §9 [C-pbx]
   */
  #onSystemStatus(apdu: Uint8Array, peek: InvokePeek): void {
    this.#counters.systemStatusReceived++;
    this.#lastSystemStatusAt = new Date(this.#clock.now()).toISOString();
    this.#send(noDataAnswer(peek.invokeId, Opcode.systemStatus));
    if (this.#state === "ready") {
      this.#armLiveness(
        this.#options.settings().livenessTimeoutSeconds * 1000,
        "no SystemStatus from the PBX",
      );
    }
    const status = systemStatusOf(apdu, peek);
    if (status === this.#pbxStatus) return;
    this.#pbxStatus = status;
    this.#options.events.onFrame(apdu, peek);
  }

  #armLiveness(ms: number, reason: string): void {
    this.#clock.clearTimeout(this.#livenessTimer);
    this.#livenessTimer = this.#clock.setTimeout(
      () => this.#closeConnection(`${reason} for ${ms / 1000} s`),
      ms,
    );
  }

  /** Waits for `work`, but no longer than `ms` on the link's clock. */
  async #atMost(ms: number, work: Promise<unknown> | undefined): Promise<void> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => (timer = this.#clock.setTimeout(resolve, ms)));
    await Promise.race([work, timeout]);
    this.#clock.clearTimeout(timer);
  }

  /** Lets the last frames (an RLRE) reach the PBX, bounded to a second, then ends the connection. */
  #closeAfterFlush(reason: string): void {
    const conn = this.#conn;
    const drained = this.#writer?.drained() ?? Promise.resolve();
    void this.#atMost(1000, drained).then(() => {
      if (this.#conn === conn) this.#closeConnection(reason);
    });
  }

  /** Ends the current connection (if any): fails pending requests, reports the loss once. */
  #closeConnection(reason: string): void {
    const conn = this.#conn;
    if (!conn) return;
    const wasReady = this.#state === "ready";
    this.#conn = undefined;
    this.#writer?.close();
    this.#writer = undefined;
    this.#clock.clearTimeout(this.#livenessTimer);
    try {
      conn.close();
    } catch {
      // already closed by the peer
    }
    this.#deadlines.clear();
    for (const [id, pending] of this.#pending) {
      pending.resolve({ kind: "linkDown" });
      this.#pending.delete(id);
    }
    // The PBX's late answers went with the association, and so did what they would have started.
    this.#late.clear();
    this.#ids.releaseAll();
    if (reason !== "stopped") this.#recordError(reason);
    this.#setState("disconnected");
    if (this.#running) this.#lifecycle.set("degraded", `PBX link down: ${reason}`);
    if (wasReady) {
      this.#options.log.warn("PBX link lost", { reason });
      this.#options.events.onLost(reason);
    }
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#stateSince = new Date(this.#clock.now()).toISOString();
  }

  #recordError(message: string): void {
    // The same problem on every retry is logged once; status keeps the time of the latest.
    if (this.#lastError?.message !== message) this.#options.log.warn("PBX link problem", { reason: message });
    this.#lastError = { message, at: new Date(this.#clock.now()).toISOString() };
  }
}

/** Why an AARE is not an acceptance, or undefined when it is. §2.1, §2.3 */
function aareRefusal(apdu: Uint8Array): string | undefined {
  try {
    const aare = decodeAcse(apdu);
    if (aare.kind !== "aare") return "not an AARE";
    if (aare.result === "accepted") return undefined;
    const diagnostic = aare.resultSourceDiagnostic;
    return `${aare.result}${diagnostic ? ` (${diagnostic.kind}: ${diagnostic.value})` : ""}`;
  } catch (error) {
    return `unreadable AARE: ${errorText(error)}`;
  }
}

function defaultConnect(host: string, port: number): Promise<Deno.Conn> {
  return Deno.connect({ hostname: host, port });
}

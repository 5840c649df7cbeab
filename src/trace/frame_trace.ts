// The CSTA trace: every frame of the PBX link and of chosen applications, both ways, for a bounded time.
// Off, it costs the hot paths one property read and one null check (`trace.active`); on, one copy per frame
// (decoded only when shown, so a busy link pays a memcpy, not a BER decode, per frame).

import type { Clock, TimerHandle } from "../clock.ts";
import { maskAarqPassword } from "../csta/acse.ts";
import { describeApdu, type FrameDescription } from "../csta/frame_description.ts";

/** `in`: towards cstabox (from the PBX or an application); `out`: from cstabox. */
export type TraceDirection = "in" | "out";

/** What a trace records: the PBX link, and every application or those sessions only. */
export interface TraceSelection {
  pbx: boolean;
  applications: "all" | "none" | number[];
}

export interface TraceStart extends TraceSelection {
  /** How long it runs, at most the `trace.maxMinutes` setting. */
  seconds: number;
}

/** One recorded frame; the decode is made the first time it is asked for. */
export interface TraceFrame {
  seq: number;
  at: number;
  direction: TraceDirection;
  /** `PBX`, or `application 3 (10.0.0.5:50412)`; before the association, the address alone. */
  connection: string;
  /** The APDU (no frame header), an AARQ with its password masked. */
  apdu: Uint8Array;
  description?: FrameDescription;
}

export interface TraceStatus {
  running: boolean;
  startedAt: number | null;
  /** When it stops (running) or stopped. */
  endsAt: number | null;
  stoppedBecause: string | null;
  selection: TraceSelection | null;
  frames: number;
  /** Frames dropped because `maxFrames` were kept. */
  dropped: number;
  maxFrames: number;
}

/** A running or finished recording. The hot paths call {@link pbx} and {@link application}. */
export class TraceRecording {
  readonly startedAt: number;
  endsAt: number;
  stoppedBecause: string | null = null;
  dropped = 0;
  #frames: TraceFrame[] = [];
  #seq = 0;

  constructor(
    readonly selection: TraceSelection,
    readonly maxFrames: number,
    readonly clock: Clock,
    seconds: number,
  ) {
    this.startedAt = clock.now();
    this.endsAt = this.startedAt + seconds * 1000;
  }

  /** A frame of the PBX link. */
  pbx(direction: TraceDirection, apdu: Uint8Array): void {
    if (this.selection.pbx) this.#add(direction, "PBX", apdu);
  }

  /** A frame of an application's connection; `sessionId` is undefined before its association. */
  application(
    direction: TraceDirection,
    remote: string,
    sessionId: number | undefined,
    apdu: Uint8Array,
  ): void {
    const chosen = this.selection.applications;
    if (chosen === "none") return;
    if (chosen !== "all" && (sessionId === undefined || !chosen.includes(sessionId))) return;
    this.#add(direction, sessionId === undefined ? remote : `application ${sessionId} (${remote})`, apdu);
  }

  #add(direction: TraceDirection, connection: string, apdu: Uint8Array): void {
    // The copy: the APDU is a view of a read buffer reused at the next read.
    const copy = apdu[0] === 0x60 ? maskAarqPassword(apdu) : apdu.slice();
    this.#frames.push({ seq: ++this.#seq, at: this.clock.now(), direction, connection, apdu: copy });
    // Dropped in batches, so a full trace does not shift the whole array at every frame.
    if (this.#frames.length > this.maxFrames + (this.maxFrames >> 3)) {
      const over = this.#frames.length - this.maxFrames;
      this.#frames.splice(0, over);
      this.dropped += over;
    }
  }

  /** Frames after `afterSeq`, oldest first, decoded, at most `limit` (the newest ones). */
  frames(afterSeq = 0, limit = Infinity): TraceFrame[] {
    // Sequence numbers are consecutive, so the first frame after `afterSeq` is found by arithmetic: a live
    // page asking every second for the newest 200 of 50,000 frames copies 200, not 50,000.
    const all = this.#frames;
    const first = all.length - this.count;
    if (first >= all.length) return [];
    const after = first + Math.max(0, afterSeq - all[first].seq + 1);
    const shown = all.slice(Math.max(after, all.length - limit));
    for (const frame of shown) frame.description ??= describeApdu(frame.apdu);
    return shown;
  }

  get count(): number {
    return Math.min(this.#frames.length, this.maxFrames);
  }
}

/**
 * The switch the PBX link and the CSTA listeners hold. `active` is null while no trace runs: the hot paths
 * read it once per frame and do nothing more.
 */
export class FrameTrace {
  active: TraceRecording | null = null;
  /** The running trace, or the last one after it stopped (for the download and the support bundle). */
  last: TraceRecording | null = null;
  #timer: TimerHandle | undefined;

  constructor(readonly clock: Clock, readonly settings: () => { maxMinutes: number; maxFrames: number }) {}

  /** Starts a new trace (ending a running one). Throws RangeError beyond the `trace.maxMinutes` setting. */
  start(options: TraceStart): TraceRecording {
    const { maxMinutes, maxFrames } = this.settings();
    if (!(options.seconds > 0) || options.seconds > maxMinutes * 60) {
      throw new RangeError(`a trace runs 1 s to ${maxMinutes} minutes (setting trace.maxMinutes)`);
    }
    this.stop("a new trace was started");
    const recording = new TraceRecording(
      { pbx: options.pbx, applications: options.applications },
      maxFrames,
      this.clock,
      options.seconds,
    );
    this.active = recording;
    this.last = recording;
    this.#timer = this.clock.setTimeout(() => this.stop("its time was up"), options.seconds * 1000);
    return recording;
  }

  /** Stops the running trace, if any; its frames stay readable as {@link last}. */
  stop(because = "stopped by hand"): void {
    const recording = this.active;
    if (recording === null) return;
    this.active = null;
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    recording.stoppedBecause = because;
    recording.endsAt = Math.min(recording.endsAt, this.clock.now());
  }

  status(): TraceStatus {
    const r = this.last;
    return {
      running: this.active !== null,
      startedAt: r?.startedAt ?? null,
      endsAt: r?.endsAt ?? null,
      stoppedBecause: r?.stoppedBecause ?? null,
      selection: r?.selection ?? null,
      frames: r?.count ?? 0,
      dropped: r?.dropped ?? 0,
      maxFrames: r?.maxFrames ?? this.settings().maxFrames,
    };
  }
}

/** A trace that is never started: the default of the link and the listeners when none is handed in. */
export const NO_TRACE: FrameTrace = new FrameTrace({
  now: () => 0,
  monotonic: () => 0,
  setTimeout: () => undefined,
  clearTimeout: () => {},
}, () => ({ maxMinutes: 0, maxFrames: 0 }));

// One connection's outbound queue: frames queued in the same event-loop turn go out as one write, the
// queue is bounded in bytes and in how long a write may stall, and a reader that falls behind is cut
// off without anyone else waiting for it. Write errors are caught here: in Deno an unhandled rejected
// write ends the whole process.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { FrameSource } from "../csta/frame_template.ts";
import { type BufferPool, bufferSizeFor, sharedWriteBuffers } from "./buffer_pool.ts";
import type { WriteWindow } from "./write_window.ts";
import { errorText } from "../log/error_text.ts";

export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Why a writer gave up on its connection; the owner closes the connection and counts it. */
export type WriterFailure =
  | { kind: "queueFull"; queuedBytes: number; limit: number }
  | { kind: "drainTimeout"; stalledMs: number }
  | { kind: "writeError"; error: unknown };

export interface QueuedWriterOptions {
  /** Bytes that may wait for the peer before it counts as not reading. */
  maxQueuedBytes: number;
  /** How long one write may stay incomplete (peer not reading) before giving up. */
  drainTimeoutMs: number;
  /** Called once, when the writer gives up; later enqueues are dropped. */
  onFailure: (failure: WriterFailure) => void;
  /**
   * Frames queued while the window is open leave in one write when it closes; without one they leave at
   * the end of the current turn. A few ms cut the write calls of a busy fan-out, for that much latency.
   */
  window?: WriteWindow;
  /** Where the queue's buffers come from and go back to once written; by default the shared pool. */
  buffers?: BufferPool;
  clock?: Clock;
}

/**
 * Most bytes gathered into one write. A backlog (a peer reading slowly) is sent in pieces of this size,
 * each in its own buffer, so no write ever has to join or copy what was queued. Each lagging peer holds
 * up to two partly used buffers (the one in flight, already partly taken by the kernel, and the tail
 * being filled): at 64 KB pieces the write buffers of 1,000 lagging applications held 1.9x the bytes
 * queued in them, at 16 KB 1.15x (issue 24, docs/BENCHMARKS.md). A backlog of 50 MB/s in 16 KB
 * pieces is some 3,000 writes a second, next to the fan-out's 500,000 copies.
 */
export const MAX_WRITE_BYTES = 16 * 1024;

export class QueuedWriter {
  #sink: ByteSink;
  #options: QueuedWriterOptions;
  #clock: Clock;
  #buffers: BufferPool;
  /**
   * Buffers ready to write, in order, each one write; the tail is still being filled. Frames are copied
   * in (a slow reader's backlog is then a few buffers, not one JavaScript object per frame: with 1000
   * applications falling behind, objects per frame once held 700 MB of V8 heap for 190 MB of frames).
   */
  #pending: Uint8Array[] = [];
  /** How many bytes of each pending buffer are queued (the rest is spare room from the pool). */
  #pendingUsed: number[] = [];
  #tail?: Uint8Array;
  #tailUsed = 0;
  /**
   * The size the next tail starts at: what the last write needed, so a peer that gets many frames
   * between two writes (a busy fan-out) fills one buffer without growing it frame by frame.
   */
  #tailBytes = 0;
  #pendingBytes = 0;
  #flushScheduled = false;
  /** The buffer being written (none while no write is), how much of it, and how much is written so far. */
  #inFlight?: Uint8Array;
  #inFlightUsed = 0;
  #inFlightOffset = 0;
  #failed = false;
  /** When the write in progress began (monotonic clock ms); -1 when none is. */
  #writeStartedAt = -1;
  /** Checks for a stalled write; armed while writes go on, re-armed only once per drain timeout. */
  #stallWatch?: TimerHandle;
  #idle?: PromiseWithResolvers<void>;
  #bytesWritten = 0;

  constructor(sink: ByteSink, options: QueuedWriterOptions) {
    this.#sink = sink;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#buffers = options.buffers ?? sharedWriteBuffers;
  }

  // Bound once per writer: at 1,000 applications there are hundreds of thousands of writes a second, and a
  // closure, an async function's frame and its promises per write were most of the fan-out's garbage.
  #flushSoon = (): void => this.#flush();
  #afterWrite = (n: number): void => this.#written(n);
  #afterWriteError = (error: unknown): void => this.#writeFailed(error);

  /** Bytes waiting or being written. */
  get queuedBytes(): number {
    return this.#pendingBytes + this.#inFlightRemaining();
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Queues bytes for the peer; false when the writer has given up (the bytes are dropped). */
  enqueue(bytes: Uint8Array): boolean {
    if (!this.#admit(bytes.length)) return false;
    this.#reserveTail(bytes.length).set(bytes, this.#tailUsed - bytes.length);
    this.#queued(bytes.length);
    return true;
  }

  /**
   * Queues a frame that writes itself into the queue (an event copy from a {@link FrameSource}): no buffer
   * of its own is made for it. False when the writer has given up.
   */
  enqueueFrom(source: FrameSource): boolean {
    const length = source.length;
    if (!this.#admit(length)) return false;
    source.copyInto(this.#reserveTail(length), this.#tailUsed - length);
    this.#queued(length);
    return true;
  }

  /**
   * Starts writing what is queued now rather than at the end of the turn (no-op while a write is in
   * flight, which takes the rest when it completes, or when a write window sets the pace). The fan-out
   * calls it once an application's copies of a PBX read are queued, so the first applications' bytes
   * leave while the others' are still being copied.
   */
  writeNow(): void {
    if (!this.#flushScheduled || this.#options.window) return;
    this.#flush();
  }

  /** Resolves when everything queued so far has been written (or the writer failed). */
  drained(): Promise<void> {
    if (this.queuedBytes === 0 || this.#failed) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  /** Stops the writer without reporting a failure (the connection is closing anyway). */
  close(): void {
    this.#failed = true;
    this.#sealTail();
    for (const unsent of this.#pending.splice(0)) this.#buffers.give(unsent);
    this.#pendingUsed.length = 0;
    this.#pendingBytes = 0;
    if (this.#stallWatch !== undefined) this.#clock.clearTimeout(this.#stallWatch);
    this.#stallWatch = undefined;
    this.#resolveIdle();
  }

  /** False (and the writer fails) when `length` more bytes would pass the queue limit. */
  #admit(length: number): boolean {
    if (this.#failed) return false;
    if (this.queuedBytes + length <= this.#options.maxQueuedBytes) return true;
    this.#fail({
      kind: "queueFull",
      queuedBytes: this.queuedBytes + length,
      limit: this.#options.maxQueuedBytes,
    });
    return false;
  }

  /** Counts `length` queued bytes and makes sure a flush will pick them up. */
  #queued(length: number): void {
    this.#pendingBytes += length;
    if (this.#flushScheduled || this.#inFlight) return;
    this.#flushScheduled = true;
    // Everything queued during this turn (one PBX frame fanned out, several frames of one read), or
    // within the write window, leaves in one write.
    const window = this.#options.window;
    if (window) window.schedule(this.#flushSoon);
    else queueMicrotask(this.#flushSoon);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (!this.#inFlight) this.#writeNext();
  }

  /** Starts the next write, if anything is queued; each completed write starts the one after it. */
  #writeNext(): void {
    if (this.#failed || this.#pendingBytes === 0) {
      if (this.queuedBytes === 0) this.#resolveIdle();
      return;
    }
    // Usually nothing is sealed and the tail goes out as it is, without passing through the arrays.
    if (this.#pending.length > 0) {
      this.#inFlight = this.#pending.shift()!;
      this.#inFlightUsed = this.#pendingUsed.shift()!;
    } else {
      this.#inFlight = this.#tail!;
      this.#inFlightUsed = this.#releaseTail();
    }
    this.#inFlightOffset = 0;
    this.#pendingBytes -= this.#inFlightUsed;
    this.#writeStarted();
    this.#writeRest();
  }

  /** Writes what the peer has not yet taken of the buffer in flight. */
  #writeRest(): void {
    let written: Promise<number>;
    try {
      written = this.#sink.write(this.#inFlight!.subarray(this.#inFlightOffset, this.#inFlightUsed));
    } catch (error) {
      return this.#writeFailed(error);
    }
    written.then(this.#afterWrite, this.#afterWriteError);
  }

  #written(n: number): void {
    this.#inFlightOffset += n;
    const remaining = this.#inFlightRemaining();
    if (remaining > 0 && !this.#failed) return this.#writeRest();
    this.#bytesWritten += this.#inFlightOffset;
    // Only a write that completed is done with its buffer; after an error the sink may still hold it.
    if (remaining === 0) this.#buffers.give(this.#inFlight!);
    this.#endWrite();
    this.#writeNext();
  }

  #writeFailed(error: unknown): void {
    this.#fail({ kind: "writeError", error });
    this.#endWrite();
  }

  #inFlightRemaining(): number {
    return this.#inFlight ? this.#inFlightUsed - this.#inFlightOffset : 0;
  }

  #endWrite(): void {
    this.#inFlight = undefined;
    this.#writeStartedAt = -1;
  }

  /**
   * Claims the next `length` bytes of the tail buffer and returns the buffer; the claimed bytes end at
   * `#tailUsed`. A full tail grows (up to {@link MAX_WRITE_BYTES}) or, at that size, is sealed for its own
   * write and a new one started.
   */
  #reserveTail(length: number): Uint8Array {
    const needed = this.#tailUsed + length;
    if (this.#tail && needed > this.#tail.length) {
      if (needed <= MAX_WRITE_BYTES) this.#growTail(needed);
      else this.#sealTail();
    }
    this.#tail ??= this.#buffers.take(Math.max(this.#tailBytes, length));
    this.#tailUsed += length;
    return this.#tail;
  }

  #growTail(bytes: number): void {
    const grown = this.#buffers.take(Math.min(MAX_WRITE_BYTES, Math.max(bytes, this.#tail!.length * 2)));
    grown.set(this.#tail!.subarray(0, this.#tailUsed));
    this.#buffers.give(this.#tail!);
    this.#tail = grown;
  }

  /** Moves the tail, if it holds anything, behind the sealed buffers; an empty one goes back to the pool. */
  #sealTail(): void {
    const tail = this.#tail;
    if (!tail) return;
    if (this.#tailUsed === 0) {
      this.#buffers.give(tail);
      this.#tail = undefined;
      return;
    }
    this.#pending.push(tail);
    this.#pendingUsed.push(this.#releaseTail());
  }

  /** Lets go of the tail buffer (the caller now owns it) and returns how many bytes of it are queued. */
  #releaseTail(): number {
    const used = this.#tailUsed;
    this.#tailBytes = bufferSizeFor(used);
    this.#tail = undefined;
    this.#tailUsed = 0;
    return used;
  }

  // A timer per write would cost two timer operations per write on every connection; instead one watch
  // per writer looks at the write in progress once per drain timeout.
  #writeStarted(): void {
    this.#writeStartedAt = this.#clock.monotonic();
    if (this.#stallWatch === undefined) this.#watchStall(this.#options.drainTimeoutMs);
  }

  #watchStall(afterMs: number): void {
    this.#stallWatch = this.#clock.setTimeout(() => {
      this.#stallWatch = undefined;
      if (this.#failed || this.#writeStartedAt < 0) return;
      // Monotonic: NTP setting the wall clock must neither cut off every writer nor hide a stall.
      const stalledMs = this.#clock.monotonic() - this.#writeStartedAt;
      if (stalledMs >= this.#options.drainTimeoutMs) this.#fail({ kind: "drainTimeout", stalledMs });
      else this.#watchStall(this.#options.drainTimeoutMs - stalledMs);
    }, afterMs);
  }

  #fail(failure: WriterFailure): void {
    if (this.#failed) return;
    this.close();
    this.#options.onFailure(failure);
  }

  #resolveIdle(): void {
    this.#idle?.resolve();
    this.#idle = undefined;
  }
}

/** Plain words for a writer failure, for logs and status. */
export function describeWriterFailure(failure: WriterFailure): string {
  switch (failure.kind) {
    case "queueFull":
      return `not reading: ${failure.queuedBytes} bytes queued, limit ${failure.limit}`;
    case "drainTimeout":
      return `not reading: a write stalled for ${Math.round(failure.stalledMs / 1000)} s`;
    case "writeError":
      return `write failed: ${errorText(failure.error)}`;
  }
}

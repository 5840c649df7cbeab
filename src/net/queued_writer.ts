// One connection's outbound queue: frames queued in the same event-loop turn go out as one write, the
// queue is bounded in bytes and in how long a write may stall, and a reader that falls behind is cut
// off without anyone else waiting for it. Write errors are caught here: in Deno an unhandled rejected
// write ends the whole process.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { concatBytes } from "../csta/ber_writer.ts";
import type { FrameSource } from "../csta/frame_template.ts";
import type { WriteWindow } from "./write_window.ts";

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
  clock?: Clock;
}

/**
 * Small frames are copied into chunks of at least this size: a slow reader's backlog is then a few objects
 * per 4 KB rather than one JavaScript object per frame (with 1000 applications falling behind, one object
 * per queued frame held most of the V8 heap: 700 MB for 190 MB of frames).
 */
const CHUNK_BYTES = 4096;
/** Frames larger than this are queued as they are rather than copied into a chunk. */
const LARGE_FRAME_BYTES = CHUNK_BYTES / 2;
/** Writes in a row that fill less than a quarter of a grown chunk before the chunks shrink again. */
const WRITES_BEFORE_SHRINK = 16;
/**
 * Most bytes joined into one write. A backlog (a peer reading slowly) is sent in pieces of this size
 * rather than copied whole into one buffer each time the previous write completes.
 */
const MAX_WRITE_BYTES = 64 * 1024;

export class QueuedWriter {
  #sink: ByteSink;
  #options: QueuedWriterOptions;
  #clock: Clock;
  /** Sealed chunks and copies of large frames, in order; the tail chunk is still being filled. */
  #pending: Uint8Array[] = [];
  #tail?: Uint8Array;
  #tailUsed = 0;
  /**
   * Chunks whose bytes were written, kept for the next tails instead of allocating (and zeroing) new
   * ones. Two suffice: one being written while the other fills.
   */
  #spares: Uint8Array[] = [];
  /**
   * The size of this writer's chunks. It grows when one write has to join several (the peer gets more
   * between two writes than a chunk holds: a busy fan-out), so that the next writes need no join and no
   * new buffers; it shrinks back after {@link WRITES_BEFORE_SHRINK} small writes.
   */
  #chunkBytes = CHUNK_BYTES;
  #smallWrites = 0;
  #pendingBytes = 0;
  #inFlightBytes = 0;
  #flushScheduled = false;
  #writing = false;
  #failed = false;
  /** When the write in progress began (clock ms); -1 when none is. */
  #writeStartedAt = -1;
  /** Checks for a stalled write; armed while writes go on, re-armed only once per drain timeout. */
  #stallWatch?: TimerHandle;
  #idle?: PromiseWithResolvers<void>;
  #bytesWritten = 0;

  constructor(sink: ByteSink, options: QueuedWriterOptions) {
    this.#sink = sink;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Bytes waiting or being written. */
  get queuedBytes(): number {
    return this.#pendingBytes + this.#inFlightBytes;
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
    if (bytes.length > LARGE_FRAME_BYTES) this.#queueLarge(bytes.slice());
    else this.#reserveTail(bytes.length).set(bytes, this.#tailUsed - bytes.length);
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
    if (length > LARGE_FRAME_BYTES) {
      const own = new Uint8Array(length);
      source.copyInto(own, 0);
      this.#queueLarge(own);
    } else {
      source.copyInto(this.#reserveTail(length), this.#tailUsed - length);
    }
    this.#queued(length);
    return true;
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
    this.#pending = [];
    this.#tail = undefined;
    this.#tailUsed = 0;
    this.#spares = [];
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
    if (this.#flushScheduled || this.#writing) return;
    this.#flushScheduled = true;
    // Everything queued during this turn (one PBX frame fanned out, several frames of one read), or
    // within the write window, leaves in one write.
    const window = this.#options.window;
    if (window) window.schedule(() => void this.#flush());
    else queueMicrotask(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    while (!this.#failed && this.#pendingBytes > 0) {
      const chunk = this.#takeWrite();
      this.#inFlightBytes = chunk.length;
      this.#pendingBytes -= chunk.length;
      this.#writing = true;
      this.#writeStarted();
      try {
        let offset = 0;
        while (offset < chunk.length && !this.#failed) {
          offset += await this.#sink.write(chunk.subarray(offset));
          this.#inFlightBytes = chunk.length - offset;
        }
        this.#bytesWritten += offset;
        if (offset === chunk.length) this.#recycle(chunk);
      } catch (error) {
        this.#fail({ kind: "writeError", error });
      } finally {
        this.#writing = false;
        this.#inFlightBytes = 0;
        this.#writeStartedAt = -1;
      }
    }
    if (this.queuedBytes === 0) this.#resolveIdle();
  }

  /** The next write: queued parts from the front, joined up to {@link MAX_WRITE_BYTES}. */
  #takeWrite(): Uint8Array {
    this.#sealTail();
    let count = 0;
    let total = 0;
    while (
      count < this.#pending.length && (count === 0 || total + this.#pending[count].length <= MAX_WRITE_BYTES)
    ) {
      total += this.#pending[count].length;
      count++;
    }
    const parts = this.#pending.splice(0, count);
    this.#fitChunks(total, parts.length);
    if (parts.length === 1) return parts[0];
    const joined = concatBytes(parts);
    for (const part of parts) this.#recycle(part); // copied out: free to fill again
    return joined;
  }

  /** Grows the chunks when a write had to join several; shrinks them after a run of small writes. */
  #fitChunks(writeBytes: number, parts: number): void {
    if (parts > 1 && writeBytes > this.#chunkBytes && this.#chunkBytes < MAX_WRITE_BYTES) {
      this.#resizeChunks(Math.min(MAX_WRITE_BYTES, 2 ** Math.ceil(Math.log2(writeBytes))));
    } else if (this.#chunkBytes > CHUNK_BYTES && writeBytes < this.#chunkBytes / 4) {
      if (++this.#smallWrites >= WRITES_BEFORE_SHRINK) this.#resizeChunks(this.#chunkBytes / 2);
    } else {
      this.#smallWrites = 0;
    }
  }

  #resizeChunks(bytes: number): void {
    this.#chunkBytes = bytes;
    this.#smallWrites = 0;
    this.#spares = [];
  }

  /**
   * Claims the next `length` bytes of the tail chunk (a new chunk when it is full) and returns the chunk;
   * the claimed bytes end at `#tailUsed`.
   */
  #reserveTail(length: number): Uint8Array {
    if (!this.#tail || this.#tailUsed + length > this.#tail.length) {
      this.#sealTail();
      this.#tail = this.#spares.pop() ?? new Uint8Array(this.#chunkBytes);
    }
    this.#tailUsed += length;
    return this.#tail;
  }

  /**
   * Keeps a buffer of the current chunk size as a next tail once its bytes are out: written (the sink is
   * done with it when its write has completed) or joined into a write. Every buffer queued is the writer's
   * own (large frames are copied in).
   */
  #recycle(written: Uint8Array): void {
    if (written.buffer.byteLength !== this.#chunkBytes || !(written.buffer instanceof ArrayBuffer)) return;
    if (this.#spares.length < 2) this.#spares.push(new Uint8Array(written.buffer));
  }

  #queueLarge(bytes: Uint8Array): void {
    this.#sealTail();
    this.#pending.push(bytes);
  }

  #sealTail(): void {
    if (this.#tail && this.#tailUsed > 0) this.#pending.push(this.#tail.subarray(0, this.#tailUsed));
    this.#tail = undefined;
    this.#tailUsed = 0;
  }

  // A timer per write would cost two timer operations per write on every connection; instead one watch
  // per writer looks at the write in progress once per drain timeout.
  #writeStarted(): void {
    this.#writeStartedAt = this.#clock.now();
    if (this.#stallWatch === undefined) this.#watchStall(this.#options.drainTimeoutMs);
  }

  #watchStall(afterMs: number): void {
    this.#stallWatch = this.#clock.setTimeout(() => {
      this.#stallWatch = undefined;
      if (this.#failed || this.#writeStartedAt < 0) return;
      const stalledMs = this.#clock.now() - this.#writeStartedAt;
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
      return `write failed: ${
        failure.error instanceof Error ? failure.error.message : String(failure.error)
      }`;
  }
}

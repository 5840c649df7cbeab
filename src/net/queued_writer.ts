// One connection's outbound queue: frames queued in the same event-loop turn go out as one write, the
// queue is bounded in bytes and in how long a write may stall, and a reader that falls behind is cut
// off without anyone else waiting for it. Write errors are caught here: in Deno an unhandled rejected
// write ends the whole process.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";

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
   * Frames queued within this many ms leave in one write (0: at the end of the current turn). A few ms
   * cut the write calls of a busy fan-out many times over, for that much added latency.
   */
  coalesceMs?: number;
  clock?: Clock;
}

/**
 * Small frames are copied into chunks of this size: a slow reader's backlog is then a few objects per
 * 4 KB rather than one JavaScript object per frame (with 1000 applications falling behind, one object per
 * queued frame held most of the V8 heap: 700 MB for 190 MB of frames).
 */
const CHUNK_BYTES = 4096;

export class QueuedWriter {
  #sink: ByteSink;
  #options: QueuedWriterOptions;
  #clock: Clock;
  /** Sealed chunks and large frames, in order; the tail chunk is still being filled. */
  #pending: Uint8Array[] = [];
  #tail?: Uint8Array;
  #tailUsed = 0;
  #pendingBytes = 0;
  #inFlightBytes = 0;
  #flushScheduled = false;
  #writing = false;
  #failed = false;
  #drainTimer?: TimerHandle;
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
    if (this.#failed) return false;
    if (this.queuedBytes + bytes.length > this.#options.maxQueuedBytes) {
      this.#fail({
        kind: "queueFull",
        queuedBytes: this.queuedBytes + bytes.length,
        limit: this.#options.maxQueuedBytes,
      });
      return false;
    }
    this.#append(bytes);
    this.#pendingBytes += bytes.length;
    if (!this.#flushScheduled && !this.#writing) {
      this.#flushScheduled = true;
      // Everything queued during this turn (one PBX frame fanned out, several frames of one read), or
      // within the coalescing window, leaves in one write.
      const coalesceMs = this.#options.coalesceMs ?? 0;
      if (coalesceMs > 0) this.#clock.setTimeout(() => void this.#flush(), coalesceMs);
      else queueMicrotask(() => void this.#flush());
    }
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
    this.#pendingBytes = 0;
    this.#stopDrainTimer();
    this.#resolveIdle();
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    while (!this.#failed && this.#pendingBytes > 0) {
      this.#sealTail();
      const chunk = join(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#inFlightBytes = chunk.length;
      this.#pendingBytes = 0;
      this.#writing = true;
      this.#startDrainTimer();
      try {
        let offset = 0;
        while (offset < chunk.length && !this.#failed) {
          offset += await this.#sink.write(chunk.subarray(offset));
          this.#inFlightBytes = chunk.length - offset;
        }
        this.#bytesWritten += offset;
      } catch (error) {
        this.#fail({ kind: "writeError", error });
      } finally {
        this.#writing = false;
        this.#inFlightBytes = 0;
        this.#stopDrainTimer();
      }
    }
    if (this.queuedBytes === 0) this.#resolveIdle();
  }

  /** Copies a small frame into the tail chunk; a large one is queued as it is. */
  #append(bytes: Uint8Array): void {
    if (bytes.length > CHUNK_BYTES / 2) {
      this.#sealTail();
      this.#pending.push(bytes);
      return;
    }
    if (!this.#tail || this.#tailUsed + bytes.length > this.#tail.length) {
      this.#sealTail();
      this.#tail = new Uint8Array(CHUNK_BYTES);
    }
    this.#tail.set(bytes, this.#tailUsed);
    this.#tailUsed += bytes.length;
  }

  #sealTail(): void {
    if (this.#tail && this.#tailUsed > 0) this.#pending.push(this.#tail.subarray(0, this.#tailUsed));
    this.#tail = undefined;
    this.#tailUsed = 0;
  }

  #startDrainTimer(): void {
    const started = this.#clock.now();
    this.#drainTimer = this.#clock.setTimeout(() => {
      this.#fail({ kind: "drainTimeout", stalledMs: this.#clock.now() - started });
    }, this.#options.drainTimeoutMs);
  }

  #stopDrainTimer(): void {
    if (this.#drainTimer !== undefined) this.#clock.clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
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

function join(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
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

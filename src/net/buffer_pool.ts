// Write buffers shared by every connection's outbound queue. A buffer whose write has completed goes
// back to the pool for the next writer: a busy fan-out then reuses its buffers instead of allocating
// (and zeroing, and fragmenting the heap with) thousands a second.

/** Buffer sizes are powers of two between these; a request above the largest gets a buffer of its own. */
export const SMALLEST_BUFFER_BYTES = 1024;
export const LARGEST_BUFFER_BYTES = 64 * 1024;

export interface BufferPoolOptions {
  /** Free bytes the pool keeps for reuse; buffers given back beyond this are released at once. */
  retainBytes: number;
}

/** What the pool did, for status: reuse should dwarf allocation under steady load. */
export interface BufferPoolStats {
  retainedBytes: number;
  allocated: number;
  reused: number;
  /** Buffers given back that the pool did not keep, freed at once. */
  released: number;
}

/**
 * Free lists of power-of-two buffers.
 *
 * @example
 * ```ts
 * const pool = new BufferPool({ retainBytes: 1 << 20 });
 * const buffer = pool.take(1500); // 4096 bytes
 * pool.give(buffer); // once nothing reads it any more
 * ```
 */
export class BufferPool {
  #retainBytes: number;
  /** Free buffers by size class: index 0 holds {@link SMALLEST_BUFFER_BYTES}. */
  #free: Uint8Array[][] = [];
  #retainedBytes = 0;
  #allocated = 0;
  #reused = 0;
  #released = 0;

  constructor(options: BufferPoolOptions) {
    if (!(options.retainBytes >= 0)) {
      throw new RangeError(`retainBytes must be >= 0, got ${options.retainBytes}`);
    }
    this.#retainBytes = options.retainBytes;
  }

  /** A buffer of at least `bytes` (its contents are whatever its last user left). */
  take(bytes: number): Uint8Array {
    const size = bufferSizeFor(bytes);
    if (size <= LARGEST_BUFFER_BYTES) {
      // The smallest free buffer that is large enough: demand shifts between sizes faster than the free
      // lists would, and a larger buffer than asked for costs nothing that is not already held.
      for (let index = classOf(size); index < this.#free.length; index++) {
        const reusable = this.#free[index]?.pop();
        if (!reusable) continue;
        this.#retainedBytes -= reusable.length;
        this.#reused++;
        return reusable;
      }
    }
    this.#allocated++;
    return new Uint8Array(size);
  }

  /**
   * Returns a buffer taken from this pool (or any buffer the caller owns outright) once nothing refers to
   * its bytes any more. A view is fine: its whole underlying buffer is kept. A buffer the pool does not
   * keep is released at once: every view of it becomes empty.
   */
  give(view: Uint8Array): void {
    const buffer = view.buffer;
    if (!(buffer instanceof ArrayBuffer)) return;
    const size = buffer.byteLength;
    if (!isPooledSize(size) || this.#retainedBytes + size > this.#retainBytes) {
      if (release(buffer)) this.#released++;
      return;
    }
    const whole = view.byteOffset === 0 && view.length === size ? view : new Uint8Array(buffer);
    (this.#free[classOf(size)] ??= []).push(whole);
    this.#retainedBytes += size;
  }

  stats(): BufferPoolStats {
    return {
      retainedBytes: this.#retainedBytes,
      allocated: this.#allocated,
      reused: this.#reused,
      released: this.#released,
    };
  }
}

/** The size of buffer `take(bytes)` returns: the next power of two within the pooled range, else `bytes`. */
export function bufferSizeFor(bytes: number): number {
  if (bytes > LARGEST_BUFFER_BYTES) return bytes;
  return Math.max(SMALLEST_BUFFER_BYTES, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
}

/**
 * Frees a buffer's memory now instead of at the next full collection. Left to the GC, the buffers a busy
 * fan-out cannot keep (about 1,500 a second at 500,000 copies/s) piled up to 35 MB outside the V8 heap
 * before a collection, and the process's RSS stayed at that height after it (docs/BENCHMARKS.md).
 */
function release(buffer: ArrayBuffer): boolean {
  if (buffer.detached) return false;
  try {
    buffer.transfer(0);
    return true;
  } catch {
    // Not detachable (e.g. a WebAssembly memory): the GC frees it as before.
    return false;
  }
}

function isPooledSize(size: number): boolean {
  return size >= SMALLEST_BUFFER_BYTES && size <= LARGEST_BUFFER_BYTES && (size & (size - 1)) === 0;
}

function classOf(size: number): number {
  return Math.log2(size / SMALLEST_BUFFER_BYTES);
}

/**
 * The pool every connection's writer shares unless given its own. At full fan-out (1000 applications,
 * 500 events/s) 4 MB of free buffers let 97 % of writes reuse one; 8 and 16 MB allocated less but held
 * more, for no lower peak RSS (docs/BENCHMARKS.md).
 */
export const sharedWriteBuffers = new BufferPool({ retainBytes: 4 * 1024 * 1024 });

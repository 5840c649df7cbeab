// A connection's read buffer that stays small while its peer sends little and grows while it sends a lot:
// each pending read holds its buffer, so 1,000 idle applications hold 1 KB each instead of 8 KB, and a
// burst (a TAPI server starting 500 monitors at once) still arrives in a few large reads.

export interface ReadBufferOptions {
  /** The size while the peer sends little, and the size it shrinks back to. */
  minBytes: number;
  /** The size a run of full reads grows it to. */
  maxBytes: number;
}

export const READ_BUFFER_DEFAULTS: Readonly<ReadBufferOptions> = { minBytes: 1024, maxBytes: 64 * 1024 };

/**
 * Sizes the next read from the last: a read that filled the buffer doubles it, one that used less than a
 * quarter of it halves it, between the two bounds. Growing and shrinking by halves allocates a few buffers
 * per burst, never one per read.
 *
 * @example
 * ```ts
 * const buffer = new ReadBuffer();
 * for (;;) {
 *   const n = await conn.read(buffer.bytes);
 *   if (n === null) break;
 *   consume(buffer.bytes.subarray(0, n)); // copy out what must outlive this read
 *   buffer.afterRead(n);
 * }
 * ```
 */
export class ReadBuffer {
  #minBytes: number;
  #maxBytes: number;
  #bytes: Uint8Array;

  constructor(options: Partial<ReadBufferOptions> = {}) {
    const { minBytes, maxBytes } = { ...READ_BUFFER_DEFAULTS, ...options };
    if (!(Number.isInteger(minBytes) && minBytes >= 1 && maxBytes >= minBytes)) {
      throw new RangeError(
        `read buffer bounds must satisfy 1 <= minBytes <= maxBytes, not ${minBytes}..${maxBytes}`,
      );
    }
    this.#minBytes = minBytes;
    this.#maxBytes = maxBytes;
    this.#bytes = new Uint8Array(minBytes);
  }

  /** The buffer for the next read; a new one after {@link afterRead} resized it. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Tells the buffer how many bytes the last read brought, once they have been consumed. */
  afterRead(n: number): void {
    const size = this.#bytes.length;
    if (n >= size && size < this.#maxBytes) {
      this.#bytes = new Uint8Array(Math.min(size * 2, this.#maxBytes));
    } else if (n < size / 4 && size > this.#minBytes) {
      this.#bytes = new Uint8Array(Math.max(Math.floor(size / 2), this.#minBytes));
    }
  }
}

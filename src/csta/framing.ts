// The CSTA-over-TCP framing (§1): every APDU travels behind a 2-byte big-endian length. Encodes frames
// and reassembles them from reads that TCP split or merged, copying only frames that span reads.

import { CstaDecodeError, CstaEncodeError } from "./decode_error.ts";

/** Bytes of the length prefix in front of every APDU. §1 [C-pbx] */
export const FRAME_HEADER_SIZE = 2;

/** Largest APDU a 2-byte length can announce; §1 says to accept this much on both sides. */
export const MAX_FRAME_SIZE = 0xffff;

function checkMaxFrameSize(maxFrameSize: number): void {
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 1 || maxFrameSize > MAX_FRAME_SIZE) {
    throw new RangeError(`maxFrameSize must be an integer in 1..${MAX_FRAME_SIZE}, got ${maxFrameSize}`);
  }
}

/**
 * Prefixes `apdu` with its 2-byte big-endian length. §1 [C-pbx]
 * @param maxFrameSize refuse larger APDUs (e.g. 240 towards an untested PBX, §1 [?]); at most 65535.
 * @throws CstaEncodeError when the APDU is empty or longer than `maxFrameSize`.
 */
export function encodeFrame(apdu: Uint8Array, maxFrameSize = MAX_FRAME_SIZE): Uint8Array {
  checkMaxFrameSize(maxFrameSize);
  if (apdu.length === 0) throw new CstaEncodeError("frame", "an APDU cannot be empty");
  if (apdu.length > maxFrameSize) {
    throw new CstaEncodeError(
      "frame",
      `APDU of ${apdu.length} bytes exceeds the frame limit of ${maxFrameSize}`,
    );
  }
  const frame = new Uint8Array(FRAME_HEADER_SIZE + apdu.length);
  frame[0] = apdu.length >> 8;
  frame[1] = apdu.length & 0xff;
  frame.set(apdu, FRAME_HEADER_SIZE);
  return frame;
}

/** Options of a {@link FrameReassembler}. */
export interface FrameReassemblerOptions {
  /** Largest APDU accepted, 1..65535 (default 65535); a larger announced length is a violation. */
  maxFrameSize?: number;
}

/**
 * Turns the bytes of one TCP stream into APDUs, whatever the read boundaries.
 *
 * A frame that lies wholly inside one chunk is delivered as a `subarray` of that chunk (no copy): a
 * caller that reuses its read buffer must copy or finish with the frame before the next read. Only a
 * frame that spans chunks is copied, into a buffer of exactly its announced size.
 *
 * A zero length or one above `maxFrameSize` breaks the stream for good: `push` throws a
 * {@link CstaDecodeError} whose offset is the stream offset of the bad length prefix, after delivering
 * the frames before it, and every later `push` throws the same error.
 */
export class FrameReassembler {
  readonly maxFrameSize: number;
  /** Stream offset of the next byte `push` will see. */
  #streamOffset = 0;
  /** First byte of a length prefix split across reads, or -1. */
  #headerHigh = -1;
  /** The frame being filled across reads, sized to its announced length, or null. */
  #partial: Uint8Array | null = null;
  #filled = 0;
  #failure: CstaDecodeError | null = null;

  constructor(options: FrameReassemblerOptions = {}) {
    const maxFrameSize = options.maxFrameSize ?? MAX_FRAME_SIZE;
    checkMaxFrameSize(maxFrameSize);
    this.maxFrameSize = maxFrameSize;
  }

  /** Total bytes pushed so far. */
  get streamOffset(): number {
    return this.#streamOffset;
  }

  /** Bytes held for an unfinished frame (prefix bytes included); 0 between frames. */
  get pendingBytes(): number {
    if (this.#partial) return FRAME_HEADER_SIZE + this.#filled;
    return this.#headerHigh >= 0 ? 1 : 0;
  }

  /** The violation that broke the stream, if any. */
  get failure(): CstaDecodeError | null {
    return this.#failure;
  }

  /**
   * Feeds one read's bytes and calls `onFrame` for each APDU completed, in stream order. `onFrame`
   * should not throw: if it does, the rest of the chunk is lost and the reassembler must be dropped.
   * @throws CstaDecodeError on a zero or oversized length prefix (see the class comment).
   */
  push(chunk: Uint8Array, onFrame: (apdu: Uint8Array) => void): void {
    if (this.#failure) throw this.#failure;
    const chunkStart = this.#streamOffset;
    const n = chunk.length;
    this.#streamOffset += n;
    let pos = 0;
    if (this.#headerHigh >= 0) {
      if (n === 0) return;
      const length = (this.#headerHigh << 8) | chunk[0];
      this.#headerHigh = -1;
      pos = 1;
      this.#checkLength(length, chunkStart - 1);
      this.#partial = new Uint8Array(length);
      this.#filled = 0;
    }
    if (this.#partial) {
      const partial = this.#partial;
      const take = Math.min(partial.length - this.#filled, n - pos);
      partial.set(chunk.subarray(pos, pos + take), this.#filled);
      this.#filled += take;
      pos += take;
      if (this.#filled < partial.length) return;
      this.#partial = null;
      this.#filled = 0;
      onFrame(partial);
    }
    while (pos < n) {
      if (n - pos === 1) {
        this.#headerHigh = chunk[pos];
        return;
      }
      const length = (chunk[pos] << 8) | chunk[pos + 1];
      this.#checkLength(length, chunkStart + pos);
      const contentStart = pos + FRAME_HEADER_SIZE;
      if (n - contentStart >= length) {
        pos = contentStart + length;
        onFrame(chunk.subarray(contentStart, pos));
      } else {
        const partial = new Uint8Array(length);
        partial.set(chunk.subarray(contentStart));
        this.#partial = partial;
        this.#filled = n - contentStart;
        return;
      }
    }
  }

  /**
   * Says whether the stream may end here: returns an error when a frame was cut off (the peer closed
   * mid-frame), else null. Does not change the state.
   */
  checkEnd(): CstaDecodeError | null {
    if (this.#failure) return this.#failure;
    const pending = this.pendingBytes;
    if (pending === 0) return null;
    return new CstaDecodeError(
      "frame",
      this.#streamOffset - pending,
      `stream ended inside a frame (${pending} bytes of it received)`,
    );
  }

  #checkLength(length: number, headerOffset: number): void {
    if (length === 0) this.#fail(headerOffset, "zero-length frame");
    if (length > this.maxFrameSize) {
      this.#fail(headerOffset, `frame length ${length} exceeds the limit of ${this.maxFrameSize}`);
    }
  }

  #fail(headerOffset: number, reason: string): never {
    this.#partial = null;
    this.#headerHigh = -1;
    this.#failure = new CstaDecodeError("frame length prefix", headerOffset, reason);
    throw this.#failure;
  }
}

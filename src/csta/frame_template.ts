// One APDU copied to many peers that differ only in invoke ID and MonitorCrossRefID (the event fan-out,
// §13 design points 2 and 5): the framed APDU is laid out once, and each copy is one memcpy plus a few
// bytes, with no allocation of its own.

import { CstaDecodeError } from "./decode_error.ts";
import { FRAME_HEADER_SIZE } from "./framing.ts";
import { peekApdu } from "./peek.ts";
import { rewriteApdu } from "./rewrite.ts";
import { integerOctetCount, readHeader, TlvHeader, writeIntegerOctets } from "./tlv.ts";

/** Bytes that know how to copy themselves into a buffer: what a queued writer accepts without a copy. */
export interface FrameSource {
  readonly length: number;
  copyInto(target: Uint8Array, at: number): void;
}

/** The smallest invoke ID of each octet count: the placeholder that reserves that many octets. */
const PLACEHOLDER_ID = [0, 0x01, 0x80, 0x8000, 0x800000];

/**
 * A framed copy of an APDU with room for an invoke ID of `invokeIdOctets` and a crossRef of
 * `crossRefOctets`. {@link address} picks the values, {@link copyInto} writes the frame; all enclosing
 * lengths were settled when the template was built, so the copies are byte-identical otherwise.
 *
 * @example
 * ```ts
 * const template = FrameTemplate.build(eventApdu, 1, 4);
 * template.address(7, Uint8Array.of(0, 0, 0, 9)).copyInto(chunk, offset);
 * ```
 */
export class FrameTemplate implements FrameSource {
  readonly length: number;
  #frame: Uint8Array;
  #invokeIdAt: number;
  #invokeIdOctets: number;
  #crossRefAt: number;
  #crossRefOctets: number;
  #invokeId = PLACEHOLDER_ID[1];
  #crossRef?: Uint8Array;

  private constructor(
    frame: Uint8Array,
    invokeIdAt: number,
    invokeIdOctets: number,
    crossRefAt: number,
    crossRefOctets: number,
  ) {
    this.#frame = frame;
    this.length = frame.length;
    this.#invokeIdAt = invokeIdAt;
    this.#invokeIdOctets = invokeIdOctets;
    this.#crossRefAt = crossRefAt;
    this.#crossRefOctets = crossRefOctets;
  }

  /**
   * Lays out `apdu` (an Invoke carrying a crossRef, as {@link peekApdu} reports it) framed, with the given
   * octet counts reserved.
   * @throws CstaDecodeError when the APDU is malformed or carries no crossRefIdentifier.
   * @throws CstaEncodeError when the framed result exceeds the frame limit.
   */
  static build(apdu: Uint8Array, invokeIdOctets: number, crossRefOctets: number): FrameTemplate {
    if (!(invokeIdOctets >= 1 && invokeIdOctets <= 4)) {
      throw new RangeError(`invoke ID octets must be 1..4, not ${invokeIdOctets}`);
    }
    const frame = rewriteApdu(apdu, {
      invokeId: PLACEHOLDER_ID[invokeIdOctets],
      crossRef: new Uint8Array(crossRefOctets),
    }, { framed: true });
    const laidOut = frame.subarray(FRAME_HEADER_SIZE);
    const peek = peekApdu(laidOut);
    if (peek instanceof CstaDecodeError) throw peek;
    if (!("crossRef" in peek) || !peek.crossRef) {
      throw new CstaDecodeError("frame template", 0, `${peek.kind} carries no crossRefIdentifier`);
    }
    const header = new TlvHeader();
    readHeader(laidOut, 0, laidOut.length, header); // the APDU
    readHeader(laidOut, header.contentStart, laidOut.length, header); // its invoke ID
    return new FrameTemplate(
      frame,
      FRAME_HEADER_SIZE + header.contentStart,
      invokeIdOctets,
      FRAME_HEADER_SIZE + peek.crossRef.valueStart,
      crossRefOctets,
    );
  }

  /**
   * Sets the invoke ID and crossRef of the next copies.
   * @throws RangeError when either does not have the octet count the template reserved.
   */
  address(invokeId: number, crossRef: Uint8Array): this {
    if (integerOctetCount(invokeId) !== this.#invokeIdOctets || crossRef.length !== this.#crossRefOctets) {
      throw new RangeError(
        `template reserves ${this.#invokeIdOctets} invoke ID and ${this.#crossRefOctets} crossRef octets`,
      );
    }
    this.#invokeId = invokeId;
    this.#crossRef = crossRef;
    return this;
  }

  /** Writes the framed APDU with the current address at `target[at]` (which must have room). */
  copyInto(target: Uint8Array, at: number): void {
    target.set(this.#frame, at);
    // In the room `address` checked it fits: not measured again (this runs for every copy of a fan-out,
    // 500,000 times a second in the bench).
    writeIntegerOctets(target, at + this.#invokeIdAt, this.#invokeId, this.#invokeIdOctets);
    const crossRef = this.#crossRef;
    if (crossRef) {
      const from = at + this.#crossRefAt;
      for (let i = 0; i < crossRef.length; i++) target[from + i] = crossRef[i];
    }
  }

  /** One framed copy with the current address, in a buffer of its own. */
  toFrame(): Uint8Array {
    const frame = new Uint8Array(this.length);
    this.copyInto(frame, 0);
    return frame;
  }
}

// Bounded BER tree reading for the typed codecs: every length is checked against its enclosing element
// before anything is sliced, nesting depth and element count are capped. The hot path uses tlv.ts instead.

import { CstaDecodeError } from "./decode_error.ts";

/** Deepest nesting accepted (the outermost element is depth 1); CSTA APDUs nest about 12 deep. */
export const MAX_BER_DEPTH = 32;

/** Most element headers one reader may parse; a 65535-byte frame holds at most 32767 elements. */
export const MAX_BER_ELEMENTS = 65536;

/** Longest long-form length accepted, in octets (`84 xx xx xx xx`). */
const MAX_LENGTH_OCTETS = 4;

/** Most content octets of an INTEGER read as a number: 6 octets stay exact in a double. */
export const MAX_INTEGER_OCTETS = 6;

/** Longest tag number accepted, in base-128 octets (21 bits, far above anything CSTA uses). */
const MAX_TAG_NUMBER_OCTETS = 3;

/**
 * A tag as one number: for tag numbers below 31 it is the identifier octet itself (`0x30`, `0x6B`,
 * `0xA1`); for higher numbers it is `number << 8 | classAndForm | 0x1F` (e.g. `[38]` constructed context
 * is `0x26BF`). Comparing tags is comparing numbers.
 */
export type TagKey = number;

/** The four tag classes as the top two bits of the identifier octet. */
export const TagClass = { universal: 0x00, application: 0x40, context: 0x80, private: 0xc0 } as const;

/** Builds a {@link TagKey} from class bits, form and number. */
export function tagKey(classBits: number, constructed: boolean, number: number): TagKey {
  const form = constructed ? 0x20 : 0;
  return number < 31 ? classBits | form | number : number * 256 + (classBits | form | 0x1f);
}

/** Context-specific tag `[n]`, primitive unless `constructed`. */
export function contextTag(n: number, constructed = false): TagKey {
  return tagKey(TagClass.context, constructed, n);
}

/** Application tag `[APPLICATION n]`, primitive unless `constructed`. */
export function applicationTag(n: number, constructed = false): TagKey {
  return tagKey(TagClass.application, constructed, n);
}

/** Whether a tag key has the constructed bit. */
export function isConstructedTag(tag: TagKey): boolean {
  return (tag & 0x20) !== 0;
}

/** The tag number inside a key (`[4]` for `0xA4`, 38 for `0x26BF`). */
export function tagNumberOf(tag: TagKey): number {
  return (tag & 0x1f) === 0x1f ? Math.floor(tag / 256) : tag & 0x1f;
}

/** One element located inside the reader's bytes; offsets are relative to those bytes. */
export interface BerElement {
  readonly tag: TagKey;
  readonly constructed: boolean;
  /** Offset of the first identifier octet. */
  readonly start: number;
  readonly contentStart: number;
  /** End of the content (for the indefinite form: where the end-of-contents octets begin). */
  readonly contentEnd: number;
  /** First offset after the element, end-of-contents octets included. */
  readonly end: number;
  readonly depth: number;
}

/**
 * Reads elements from one buffer (usually one APDU, or a value inside one). Errors are
 * {@link CstaDecodeError}s whose offset is `baseOffset` plus the position in `bytes`, so a value decoded
 * from inside a frame still reports frame offsets.
 */
export class BerReader {
  #elements = 0;

  constructor(readonly bytes: Uint8Array, readonly baseOffset = 0) {}

  /** Throws a decode error at a position of this reader's bytes. */
  fail(what: string, at: number, reason: string): never {
    throw new CstaDecodeError(what, this.baseOffset + at, reason);
  }

  /** Reads the one element that must span all bytes. */
  single(what: string): BerElement {
    if (this.bytes.length === 0) this.fail(what, 0, "no bytes");
    const element = this.element(0, this.bytes.length, 1, what);
    if (element.end !== this.bytes.length) {
      this.fail(what, element.end, `${this.bytes.length - element.end} trailing byte(s) after the value`);
    }
    return element;
  }

  /** Reads the element header at `pos`; its whole extent must lie before `limit`. */
  element(pos: number, limit: number, depth: number, what: string): BerElement {
    if (depth > MAX_BER_DEPTH) this.fail(what, pos, `nesting deeper than ${MAX_BER_DEPTH}`);
    if (++this.#elements > MAX_BER_ELEMENTS) this.fail(what, pos, `more than ${MAX_BER_ELEMENTS} elements`);
    const bytes = this.bytes;
    const start = pos;
    if (pos >= limit) this.fail(what, pos, "element expected, end of data found");
    const first = bytes[pos++];
    const constructed = (first & 0x20) !== 0;
    let number = first & 0x1f;
    if (number === 0x1f) {
      number = 0;
      for (let octets = 0;; octets++) {
        if (octets === MAX_TAG_NUMBER_OCTETS) this.fail(what, start, "tag number too large");
        if (pos >= limit) this.fail(what, pos, "tag truncated");
        const b = bytes[pos++];
        number = number * 128 + (b & 0x7f);
        if ((b & 0x80) === 0) break;
      }
    }
    const tag = tagKey(first & 0xc0, constructed, number);
    if (pos >= limit) this.fail(what, pos, "length missing");
    const lengthOctet = bytes[pos++];
    if (lengthOctet === 0x80) return this.#indefinite(tag, start, pos, limit, depth, what);
    let length = lengthOctet;
    if (lengthOctet > 0x80) {
      const count = lengthOctet & 0x7f;
      if (count > MAX_LENGTH_OCTETS) this.fail(what, pos - 1, `length of ${count} octets not supported`);
      if (pos + count > limit) this.fail(what, pos, "length truncated");
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++];
    }
    if (length > limit - pos) {
      this.fail(
        what,
        start,
        `length ${length} runs past the end of the enclosing data (${limit - pos} left)`,
      );
    }
    return { tag, constructed, start, contentStart: pos, contentEnd: pos + length, end: pos + length, depth };
  }

  /** The children of a constructed element, in order. */
  children(element: BerElement, what: string): BerElement[] {
    if (!element.constructed) this.fail(what, element.start, "constructed element expected, primitive found");
    const out: BerElement[] = [];
    let pos = element.contentStart;
    while (pos < element.contentEnd) {
      const child = this.element(pos, element.contentEnd, element.depth + 1, what);
      out.push(child);
      pos = child.end;
    }
    return out;
  }

  /** The content octets of an element (a view, not a copy). */
  content(element: BerElement): Uint8Array {
    return this.bytes.subarray(element.contentStart, element.contentEnd);
  }

  /** A copy of the whole element, header included: raw bytes kept for re-encoding. */
  raw(element: BerElement): Uint8Array {
    return this.bytes.slice(element.start, element.end);
  }

  /** Content octets of a primitive element; rejects the constructed form. */
  primitive(element: BerElement, what: string): Uint8Array {
    if (element.constructed) this.fail(what, element.start, "primitive element expected, constructed found");
    return this.content(element);
  }

  /** An INTEGER or ENUMERATED content as a number (two's complement, at most 6 octets). */
  integer(element: BerElement, what: string): number {
    const content = this.primitive(element, what);
    if (content.length === 0) this.fail(what, element.start, "integer with no content octets");
    if (content.length > MAX_INTEGER_OCTETS) {
      this.fail(what, element.start, `integer of ${content.length} octets is too large`);
    }
    let value = content[0] >= 0x80 ? content[0] - 256 : content[0];
    for (let i = 1; i < content.length; i++) value = value * 256 + content[i];
    return value;
  }

  /** A BOOLEAN: one content octet, zero is false. */
  boolean(element: BerElement, what: string): boolean {
    const content = this.primitive(element, what);
    if (content.length !== 1) this.fail(what, element.start, `boolean with ${content.length} content octets`);
    return content[0] !== 0;
  }

  /** A NULL: no content octets. */
  null(element: BerElement, what: string): null {
    const content = this.primitive(element, what);
    if (content.length !== 0) this.fail(what, element.start, `null with ${content.length} content octets`);
    return null;
  }

  /** An OBJECT IDENTIFIER's content as dotted text (`1.3.12.0.218`); arcs must stay exact in a double. */
  objectIdentifier(element: BerElement, what: string): string {
    const content = this.primitive(element, what);
    if (content.length === 0) this.fail(what, element.start, "empty object identifier");
    const arcs: number[] = [];
    let value = 0;
    for (let i = 0; i < content.length; i++) {
      value = value * 128 + (content[i] & 0x7f);
      if (value > Number.MAX_SAFE_INTEGER / 128) {
        this.fail(what, element.start, "object identifier arc too large");
      }
      if ((content[i] & 0x80) === 0) {
        arcs.push(value);
        value = 0;
      }
    }
    if ((content[content.length - 1] & 0x80) !== 0) {
      this.fail(what, element.start, "object identifier truncated");
    }
    const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
    return [first, arcs[0] - first * 40, ...arcs.slice(1)].join(".");
  }

  /** A character string read octet by octet (ISO 8859-1), so any bytes survive a round trip. */
  latin1(element: BerElement, what: string): string {
    const content = this.primitive(element, what);
    let text = "";
    for (let i = 0; i < content.length; i += 4096) {
      text += String.fromCharCode(...content.subarray(i, i + 4096));
    }
    return text;
  }

  #indefinite(
    tag: TagKey,
    start: number,
    contentStart: number,
    limit: number,
    depth: number,
    what: string,
  ): BerElement {
    if ((tag & 0x20) === 0) this.fail(what, start, "indefinite length on a primitive element");
    let pos = contentStart;
    for (;;) {
      if (pos + 2 > limit) this.fail(what, pos, "end-of-contents octets missing");
      if (this.bytes[pos] === 0 && this.bytes[pos + 1] === 0) {
        return { tag, constructed: true, start, contentStart, contentEnd: pos, end: pos + 2, depth };
      }
      pos = this.element(pos, limit, depth + 1, what).end;
    }
  }
}

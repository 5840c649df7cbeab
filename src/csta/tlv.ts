// A minimal BER TLV reader and the few writer helpers the hot path needs: headers, skipping, bounded tree
// scans, lengths and INTEGERs. No trees, no asn1js; every limit is checked before anything is allocated.

import { CstaDecodeError, CstaEncodeError } from "./decode_error.ts";

/** The four BER tag classes, indexed by the top two bits of the identifier octet. */
export type TagClass = "universal" | "application" | "context" | "private";

const TAG_CLASSES: readonly TagClass[] = ["universal", "application", "context", "private"];

/** Bounds for walking untrusted BER: nesting depth and number of elements visited. */
export interface TlvLimits {
  /** Deepest nesting accepted; the outermost element is depth 1. */
  readonly maxDepth: number;
  /** Most elements one scan may visit (each header read counts once). */
  readonly maxElements: number;
}

/**
 * Defaults sized for CSTA APDUs: a 65535-byte frame could hold 32767 two-byte elements, which no real
 * message approaches; events nest about 8 deep.
 */
export const DEFAULT_TLV_LIMITS: TlvLimits = { maxDepth: 32, maxElements: 4096 };

/** Longest long-form length accepted: 4 octets (`84 xx xx xx xx`), as the issue requires. */
export const MAX_LENGTH_OCTETS = 4;

/** Longest tag number accepted, in base-128 continuation octets (28 bits). */
const MAX_TAG_NUMBER_OCTETS = 4;

/**
 * One element's header as read from the wire. Mutable on purpose: the hot path reuses a few instances
 * instead of allocating one per element.
 */
export class TlvHeader {
  /** Offset of the first identifier octet. */
  start = 0;
  /** The first identifier octet exactly as on the wire (`0x30`, `0x55`, `0xA1`, ...). */
  firstByte = 0;
  tagClass: TagClass = "universal";
  constructed = false;
  tagNumber = 0;
  /** Offset of the first length octet. */
  lengthStart = 0;
  /** Offset of the first content octet. */
  contentStart = 0;
  /** Content length in octets; -1 for the indefinite form. */
  length = 0;
  /** Offset just past the content (definite form); -1 for the indefinite form until skipped. */
  end = 0;

  /** True when the length octet was `80` (contents end with `00 00`). */
  get indefinite(): boolean {
    return this.length < 0;
  }

  /** Number of length octets on the wire (1 for short form and for `80`). */
  get lengthOctets(): number {
    return this.contentStart - this.lengthStart;
  }
}

/**
 * Reads the identifier and length octets of the element at `offset`. A definite-length element must end
 * at or before `limit`; an indefinite one is only accepted when constructed (its end is found by
 * {@link skipElement}). Universal tag 0 is refused: it is the end-of-contents marker, not an element.
 * Fills `out` and returns undefined, or returns the error without throwing.
 */
export function readHeader(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  out: TlvHeader,
  what = "TLV",
): CstaDecodeError | undefined {
  if (offset >= limit) {
    return new CstaDecodeError(what, offset, "expected an element, found the end of its container");
  }
  const first = bytes[offset];
  let pos = offset + 1;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form: base-128 octets, bit 8 set on all but the last (X.690 8.1.2.4).
    tagNumber = 0;
    for (let n = 0;; n++) {
      if (pos >= limit) return new CstaDecodeError(what, pos, "tag number runs past the end");
      if (n === MAX_TAG_NUMBER_OCTETS) {
        return new CstaDecodeError(what, pos, `tag number longer than ${MAX_TAG_NUMBER_OCTETS} octets`);
      }
      const b = bytes[pos++];
      if (n === 0 && b === 0x80) {
        return new CstaDecodeError(what, pos - 1, "tag number has a leading zero octet");
      }
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  } else if (first === 0x00) {
    return new CstaDecodeError(what, offset, "end-of-contents octets where an element was expected");
  }
  const constructed = (first & 0x20) !== 0;
  if (pos >= limit) return new CstaDecodeError(what, pos, "length octets missing");
  const lengthStart = pos;
  const l0 = bytes[pos++];
  let length: number;
  if (l0 < 0x80) {
    length = l0;
  } else if (l0 === 0x80) {
    // §4 [C-std]: indefinite form is legal BER for constructed values; applications may send it.
    if (!constructed) {
      return new CstaDecodeError(what, lengthStart, "indefinite length on a primitive element");
    }
    length = -1;
  } else {
    const count = l0 & 0x7f;
    if (count > MAX_LENGTH_OCTETS) {
      return new CstaDecodeError(
        what,
        lengthStart,
        `long-form length of ${count} octets (max ${MAX_LENGTH_OCTETS})`,
      );
    }
    if (pos + count > limit) return new CstaDecodeError(what, pos, "length octets run past the end");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++];
  }
  // Checked before anyone could size a buffer from it: the content must lie inside the container.
  if (length > limit - pos) {
    return new CstaDecodeError(what, lengthStart, `length ${length} exceeds the ${limit - pos} bytes left`);
  }
  out.start = offset;
  out.firstByte = first;
  out.tagClass = TAG_CLASSES[first >> 6];
  out.constructed = constructed;
  out.tagNumber = tagNumber;
  out.lengthStart = lengthStart;
  out.contentStart = pos;
  out.length = length;
  out.end = length < 0 ? -1 : pos + length;
  return undefined;
}

/** Mutable count of elements visited, shared by the recursive walks of one scan. */
interface Budget {
  left: number;
}

function overBudget(what: string, offset: number, limits: TlvLimits): CstaDecodeError {
  return new CstaDecodeError(what, offset, `more than ${limits.maxElements} elements`);
}

function tooDeep(what: string, offset: number, limits: TlvLimits): CstaDecodeError {
  return new CstaDecodeError(what, offset, `nesting deeper than ${limits.maxDepth}`);
}

/**
 * Finds where the element at `offset` ends. Definite lengths cost one header read; an indefinite length
 * is resolved by skipping its children until `00 00`, descending only into indefinite children, within
 * `limits`. Returns the end offset or the error.
 */
export function skipElement(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  limits: TlvLimits = DEFAULT_TLV_LIMITS,
  what = "TLV",
): number | CstaDecodeError {
  return skipAt(bytes, offset, limit, limits, { left: limits.maxElements }, 1, what);
}

function skipAt(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  limits: TlvLimits,
  budget: Budget,
  depth: number,
  what: string,
): number | CstaDecodeError {
  if (depth > limits.maxDepth) return tooDeep(what, offset, limits);
  if (--budget.left < 0) return overBudget(what, offset, limits);
  const h = new TlvHeader();
  const err = readHeader(bytes, offset, limit, h, what);
  if (err) return err;
  if (h.length >= 0) return h.end;
  let pos = h.contentStart;
  for (;;) {
    if (pos + 1 < limit && bytes[pos] === 0 && bytes[pos + 1] === 0) return pos + 2;
    if (pos >= limit) {
      return new CstaDecodeError(what, pos, "indefinite-length contents lack end-of-contents");
    }
    const next = skipAt(bytes, pos, limit, limits, budget, depth + 1, what);
    if (typeof next !== "number") return next;
    pos = next;
  }
}

/** What a full scan found: how many elements and how deep they went. */
export interface TlvScan {
  elements: number;
  depth: number;
}

/**
 * Checks that `bytes[start, end)` is a run of well-formed BER elements, descending into every constructed
 * one, within `limits`. Meant as the gate before a full decoder (asn1js has quadratic cases on hostile
 * input), so a typed decoder only ever sees bounded, well-formed trees.
 */
export function scanTlv(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  limits: TlvLimits = DEFAULT_TLV_LIMITS,
  what = "TLV",
): TlvScan | CstaDecodeError {
  const budget: Budget = { left: limits.maxElements };
  const stats: TlvScan = { elements: 0, depth: 0 };
  let pos = start;
  while (pos < end) {
    const next = scanAt(bytes, pos, end, limits, budget, 1, stats, what);
    if (typeof next !== "number") return next;
    pos = next;
  }
  stats.elements = limits.maxElements - budget.left;
  return stats;
}

function scanAt(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  limits: TlvLimits,
  budget: Budget,
  depth: number,
  stats: TlvScan,
  what: string,
): number | CstaDecodeError {
  if (depth > limits.maxDepth) return tooDeep(what, offset, limits);
  if (--budget.left < 0) return overBudget(what, offset, limits);
  if (depth > stats.depth) stats.depth = depth;
  const h = new TlvHeader();
  const err = readHeader(bytes, offset, limit, h, what);
  if (err) return err;
  if (!h.constructed) return h.end;
  const indefinite = h.length < 0;
  const contentLimit = indefinite ? limit : h.end;
  let pos = h.contentStart;
  for (;;) {
    if (indefinite) {
      if (pos + 1 < limit && bytes[pos] === 0 && bytes[pos + 1] === 0) return pos + 2;
      if (pos >= limit) {
        return new CstaDecodeError(what, pos, "indefinite-length contents lack end-of-contents");
      }
    } else if (pos === contentLimit) {
      return pos;
    }
    const next = scanAt(bytes, pos, contentLimit, limits, budget, depth + 1, stats, what);
    if (typeof next !== "number") return next;
    pos = next;
  }
}

/**
 * Decodes the content octets `bytes[start, start + length)` as a two's complement INTEGER of 1 to 4
 * octets (invoke IDs, opcodes, error codes). Non-minimal encodings are accepted, as BER readers usually are.
 */
export function readSmallInteger(
  bytes: Uint8Array,
  start: number,
  length: number,
  what = "INTEGER",
): number | CstaDecodeError {
  if (length === 0) return new CstaDecodeError(what, start, "INTEGER with no content octets");
  if (length > 4) return new CstaDecodeError(what, start, `INTEGER of ${length} octets (max 4)`);
  let value = bytes[start] << 24 >> 24; // sign-extends the first octet
  for (let i = 1; i < length; i++) value = value * 256 + bytes[start + i];
  return value;
}

/** Octets `encodeLength` / `writeLength` produce for `length` (minimal form). */
export function lengthOctetCount(length: number): number {
  if (length < 0x80) return 1;
  if (length < 0x100) return 2;
  if (length < 0x10000) return 3;
  if (length < 0x1000000) return 4;
  return 5;
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) {
    throw new CstaEncodeError("BER length", `${length} is not an integer in 0..4294967295`);
  }
}

/** Writes `length` in minimal definite form at `offset`; returns the offset just past it. */
export function writeLength(target: Uint8Array, offset: number, length: number): number {
  checkLength(length);
  const count = lengthOctetCount(length);
  if (count === 1) {
    target[offset] = length;
    return offset + 1;
  }
  target[offset] = 0x80 | (count - 1);
  for (let i = count - 1; i >= 1; i--) {
    target[offset + i] = length & 0xff;
    length = Math.floor(length / 256);
  }
  return offset + count;
}

/** The minimal definite length octets for `length` (`05`, `81 80`, `82 01 00`, ...). */
export function encodeLength(length: number): Uint8Array {
  checkLength(length);
  const out = new Uint8Array(lengthOctetCount(length));
  writeLength(out, 0, length);
  return out;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function checkInteger(value: number): void {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw new CstaEncodeError("INTEGER", `${value} does not fit in 4 octets`);
  }
}

/** Content octets of the minimal two's complement encoding of `value` (-2^31..2^31-1). */
export function integerOctetCount(value: number): number {
  checkInteger(value);
  if (value >= -0x80 && value <= 0x7f) return 1;
  if (value >= -0x8000 && value <= 0x7fff) return 2;
  if (value >= -0x800000 && value <= 0x7fffff) return 3;
  return 4;
}

/** Writes the minimal content octets of `value` at `offset`; returns the offset just past them. */
export function writeIntegerContent(target: Uint8Array, offset: number, value: number): number {
  return writeIntegerOctets(target, offset, value, integerOctetCount(value));
}

/**
 * Writes the low `count` octets of `value` at `offset`, big-endian, for a caller that already knows the
 * count (a frame template's reserved room); returns the offset just past them.
 *
 * @example
 * ```ts
 * writeIntegerOctets(frame, 4, 0x0102, 2); // frame[4] = 0x01, frame[5] = 0x02
 * ```
 */
export function writeIntegerOctets(target: Uint8Array, offset: number, value: number, count: number): number {
  for (let i = count - 1; i >= 0; i--) {
    target[offset + i] = value & 0xff;
    value >>= 8;
  }
  return offset + count;
}

/** A whole INTEGER element with minimal content, e.g. 211 -> `02 02 00 D3` (§3 [C-pbx]). */
export function encodeInteger(value: number, tag = 0x02): Uint8Array {
  const count = integerOctetCount(value);
  const out = new Uint8Array(2 + count);
  out[0] = tag;
  out[1] = count;
  writeIntegerContent(out, 2, value);
  return out;
}

// BIT STRING values (filters, CSTA version, request types): the exact octets and unused-bit count, so a
// decoded value re-encodes to the same bytes, plus helpers to build and read them by bit number.

/** A BIT STRING as on the wire: `bytes` hold the bits (bit 0 = top bit of the first octet). */
export interface BitString {
  /** Unused bits at the end of the last octet (0..7; 0 when there are no octets). */
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
}

/** The empty bit string (`03 01 00`), e.g. "no filter". */
export const EMPTY_BIT_STRING: BitString = { unusedBits: 0, bytes: new Uint8Array(0) };

/** Number of significant bits. */
export function bitLength(bits: BitString): number {
  return bits.bytes.length * 8 - bits.unusedBits;
}

/**
 * Builds a named-bit string from set bit numbers, trimmed after the highest set bit as DER does for
 * named bit lists (`[4]` gives `03 02 03 08`). Pass `minLength` to keep a fixed width instead.
 */
export function bitStringOf(setBits: Iterable<number>, minLength = 0): BitString {
  let length = minLength;
  const list = [...setBits];
  for (const bit of list) {
    if (!Number.isInteger(bit) || bit < 0 || bit > 0xffff) throw new RangeError(`bad bit number ${bit}`);
    length = Math.max(length, bit + 1);
  }
  const bytes = new Uint8Array(Math.ceil(length / 8));
  for (const bit of list) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  return { unusedBits: bytes.length * 8 - length, bytes };
}

/** Whether bit `n` is set (bits beyond the length are clear). */
export function isBitSet(bits: BitString, n: number): boolean {
  if (n < 0 || n >= bitLength(bits)) return false;
  return (bits.bytes[n >> 3] & (0x80 >> (n & 7))) !== 0;
}

/** The numbers of all set bits, ascending. */
export function setBitsOf(bits: BitString): number[] {
  const out: number[] = [];
  const length = bitLength(bits);
  for (let n = 0; n < length; n++) if (isBitSet(bits, n)) out.push(n);
  return out;
}

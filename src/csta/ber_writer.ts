// BER writing for the typed codecs: identifier and definite-length headers, and the content octets of the
// primitive types CSTA uses. Always the minimal (DER-like) form, so our frames round-trip byte for byte.

import { CstaEncodeError } from "./decode_error.ts";
import { MAX_INTEGER_OCTETS, type TagKey } from "./ber_reader.ts";

const EMPTY = new Uint8Array(0);

/** Identifier octets of a tag key. */
export function identifierOctets(tag: TagKey): Uint8Array {
  if ((tag & 0x1f) !== 0x1f) return Uint8Array.of(tag & 0xff);
  let number = Math.floor(tag / 256);
  const tail: number[] = [number & 0x7f];
  while ((number = Math.floor(number / 128)) > 0) tail.unshift(0x80 | (number & 0x7f));
  return Uint8Array.of(tag & 0xff, ...tail);
}

/** Definite-length octets: short form below 128, else the shortest long form. */
export function lengthOctets(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** Joins byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One element: identifier, definite length, content. */
export function tlv(tag: TagKey, content: Uint8Array = EMPTY): Uint8Array {
  const length = content.length;
  if ((tag & 0x1f) !== 0x1f && length < 0x80) {
    const out = new Uint8Array(2 + length);
    out[0] = tag;
    out[1] = length;
    out.set(content, 2);
    return out;
  }
  return concatBytes([identifierOctets(tag), lengthOctets(length), content]);
}

/** One constructed element whose content is the given elements in order. */
export function constructed(tag: TagKey, children: readonly Uint8Array[]): Uint8Array {
  return tlv(tag, concatBytes(children));
}

/** Minimal two's-complement content octets of an integer (at most 6 octets, so the value stays exact). */
export function integerContent(value: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new CstaEncodeError(what, `${value} is not an integer`);
  const limit = 2 ** (8 * MAX_INTEGER_OCTETS - 1);
  if (value >= limit || value < -limit) throw new CstaEncodeError(what, `${value} does not fit 6 octets`);
  const octets: number[] = [];
  let rest = value;
  do {
    const low = ((rest % 256) + 256) % 256;
    octets.unshift(low);
    rest = (rest - low) / 256;
  } while (
    !((rest === 0 && (octets[0] & 0x80) === 0) || (rest === -1 && (octets[0] & 0x80) !== 0))
  );
  return Uint8Array.from(octets);
}

/** Content octets of a string written octet by octet (ISO 8859-1), the inverse of `BerReader.latin1`. */
export function latin1Content(text: string, what: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new CstaEncodeError(what, `character U+${code.toString(16)} is not one octet`);
    out[i] = code;
  }
  return out;
}

/** Content octet of a BOOLEAN (`FF` for true, as DER). */
export function booleanContent(value: boolean): Uint8Array {
  return Uint8Array.of(value ? 0xff : 0x00);
}

/** Content octets of an OBJECT IDENTIFIER given as dotted text, the inverse of `BerReader.objectIdentifier`. */
export function objectIdentifierContent(dotted: string, what: string): Uint8Array {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new CstaEncodeError(what, `"${dotted}" is not a dotted OID`);
  const arcs = dotted.split(".").map(Number);
  if (arcs.some((arc) => !Number.isSafeInteger(arc)) || (arcs[0] < 2 && arcs[1] >= 40)) {
    throw new CstaEncodeError(what, `"${dotted}" is not a valid OID`);
  }
  const octets: number[] = [];
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const base128 = [arc % 128];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) {
      base128.unshift(0x80 | (rest % 128));
    }
    octets.push(...base128);
  }
  return Uint8Array.from(octets);
}

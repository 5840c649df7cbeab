// Reading the asn1js tree of a PKCS#12 file or an encrypted key: each accessor names what it expected, so
// a damaged file is reported as "PFX macData: expected SEQUENCE" rather than as a crash.

import * as asn1js from "asn1js";

/** The structure is not what the standard says; `what` names the field being read. */
export class Asn1ShapeError extends Error {
  override readonly name = "Asn1ShapeError";
  constructor(readonly what: string, readonly reason: string) {
    super(`${what}: ${reason}`);
  }
}

/** Decodes BER (DER included) that must fill `bytes` exactly. Callers bound `bytes` in size first. */
export function decodeBer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const copy = bytes.slice();
  const result = asn1js.fromBER(copy);
  if (result.offset === -1) {
    throw new Asn1ShapeError(what, `not BER/DER (${result.result.error || "malformed"})`);
  }
  if (result.offset !== copy.byteLength) {
    throw new Asn1ShapeError(what, `${copy.byteLength - result.offset} unexpected bytes after the value`);
  }
  return result.result;
}

function describe(node: asn1js.AsnType): string {
  const id = (node as asn1js.BaseBlock).idBlock;
  if (!id) return "unknown value";
  if (id.tagClass === 1) {
    return (node.constructor as { NAME?: string }).NAME ?? `universal tag ${id.tagNumber}`;
  }
  return `[${id.tagNumber}] (class ${id.tagClass})`;
}

/** The elements of a SEQUENCE (or SET when `set` is true). */
export function elements(node: asn1js.AsnType | undefined, what: string, set = false): asn1js.AsnType[] {
  const wanted = set ? asn1js.Set : asn1js.Sequence;
  if (!(node instanceof wanted)) {
    throw new Asn1ShapeError(
      what,
      `expected ${set ? "SET" : "SEQUENCE"}, found ${node ? describe(node) : "nothing"}`,
    );
  }
  return node.valueBlock.value;
}

export function oid(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) {
    throw new Asn1ShapeError(what, `expected OBJECT IDENTIFIER, found ${node ? describe(node) : "nothing"}`);
  }
  return node.valueBlock.toString();
}

/** A small non-negative INTEGER (versions, iteration counts, key lengths). */
export function smallInteger(node: asn1js.AsnType | undefined, what: string): number {
  if (!(node instanceof asn1js.Integer)) {
    throw new Asn1ShapeError(what, `expected INTEGER, found ${node ? describe(node) : "nothing"}`);
  }
  const value = node.valueBlock.valueDec;
  if (!Number.isSafeInteger(value) || value < 0) throw new Asn1ShapeError(what, "integer out of range");
  return value;
}

/** The bytes of an OCTET STRING, joining the parts of a constructed (BER) one. */
export function octets(node: asn1js.AsnType | undefined, what: string): Uint8Array<ArrayBuffer> {
  if (!(node instanceof asn1js.OctetString)) {
    throw new Asn1ShapeError(what, `expected OCTET STRING, found ${node ? describe(node) : "nothing"}`);
  }
  return new Uint8Array(node.getValue());
}

/** Whether `node` carries the context-specific tag `[n]`. */
export function isContextTag(node: asn1js.AsnType | undefined, n: number): boolean {
  const id = (node as asn1js.BaseBlock | undefined)?.idBlock;
  return id !== undefined && id.tagClass === 3 && id.tagNumber === n;
}

/** The single value inside an `[n] EXPLICIT` wrapper. */
export function explicit(node: asn1js.AsnType | undefined, n: number, what: string): asn1js.AsnType {
  if (!isContextTag(node, n) || !(node instanceof asn1js.Constructed) || node.valueBlock.value.length !== 1) {
    throw new Asn1ShapeError(what, `expected [${n}] EXPLICIT, found ${node ? describe(node) : "nothing"}`);
  }
  return node.valueBlock.value[0];
}

/** The bytes of an `[n] IMPLICIT OCTET STRING`, primitive or constructed (BER, as some exporters write it). */
export function implicitOctets(
  node: asn1js.AsnType | undefined,
  n: number,
  what: string,
): Uint8Array<ArrayBuffer> {
  if (!isContextTag(node, n)) {
    throw new Asn1ShapeError(
      what,
      `expected [${n}] IMPLICIT OCTET STRING, found ${node ? describe(node) : "nothing"}`,
    );
  }
  if (node instanceof asn1js.Constructed) {
    const parts = node.valueBlock.value.map((part, i) => octets(part, `${what} part ${i + 1}`));
    const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }
  return new Uint8Array((node as asn1js.Primitive).valueBlock.valueHexView);
}

/** The bytes of a node exactly as they were read (tag and length included), e.g. to hand a key to node:crypto. */
export function encoded(node: asn1js.AsnType): Uint8Array<ArrayBuffer> {
  return (node as asn1js.BaseBlock).valueBeforeDecodeView.slice();
}

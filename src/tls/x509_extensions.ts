// The X.509 v3 extensions cstabox checks (RFC 5280 §4.2): basicConstraints, keyUsage, extendedKeyUsage and
// subjectAltName read from a certificate, and the set a TLS server certificate or CSR carries written.

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import { Asn1ShapeError, decodeBer, elements, octets, oid } from "./asn1_tree.ts";
import { encodeGeneralNames, readGeneralNames, type SubjectAltName } from "./general_names.ts";

export const extensionOids = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extendedKeyUsage: "2.5.29.37",
} as const;

/** keyUsage bits as flags: bit n of the BIT STRING (RFC 5280 §4.2.1.3, digitalSignature is bit 0) is 1 << n. */
export const KeyUsage = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
} as const;

export const serverAuthOid = "1.3.6.1.5.5.7.3.1";

/** One extension; `value` is the DER inside extnValue. */
export interface Extension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** The Extensions SEQUENCE of a certificate or CSR. */
export function readExtensions(node: asn1js.AsnType, what: string): Extension[] {
  return elements(node, what).map((extension, i) => {
    const at = `${what} ${i + 1}`;
    const parts = elements(extension, at);
    const id = oid(parts[0], `${at} extnID`);
    const critical = parts.length === 3 && parts[1] instanceof asn1js.Boolean && parts[1].getValue();
    return { oid: id, critical, value: octets(parts[parts.length - 1], `${at} (${id}) extnValue`) };
  });
}

/** basicConstraints cA (DEFAULT FALSE). */
export function readBasicConstraints(value: Uint8Array): boolean {
  const [ca] = elements(decodeBer(value, "basicConstraints"), "basicConstraints");
  return ca instanceof asn1js.Boolean && ca.getValue();
}

/** keyUsage as `KeyUsage` flags. */
export function readKeyUsage(value: Uint8Array): number {
  const node = decodeBer(value, "keyUsage");
  if (!(node instanceof asn1js.BitString)) throw new Asn1ShapeError("keyUsage", "expected BIT STRING");
  const bytes = node.valueBlock.valueHexView;
  let flags = 0;
  for (let bit = 0; bit < Math.min(bytes.length * 8, 16); bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) flags |= 1 << bit;
  }
  return flags;
}

/** extendedKeyUsage as OIDs. */
export function readExtendedKeyUsage(value: Uint8Array): string[] {
  const node = decodeBer(value, "extendedKeyUsage");
  return elements(node, "extendedKeyUsage").map((purpose) => oid(purpose, "extendedKeyUsage purpose"));
}

/** subjectAltName, in a certificate or requested in a CSR. */
export function readSubjectAltNames(value: Uint8Array): SubjectAltName[] {
  return readGeneralNames(decodeBer(value, "subjectAltName"), "subjectAltName");
}

/** What a TLS server certificate (or the CSR for one) states about itself. */
export interface ServerExtensions {
  dns: string[];
  ips: string[];
  keyUsage: number;
  /** Added to certificates (not CSRs): basicConstraints cA FALSE and the subjectKeyIdentifier. */
  certificate?: { subjectPublicKeyInfo: Uint8Array };
}

/** The Extensions SEQUENCE for a TLS server: keyUsage, extendedKeyUsage serverAuth, subjectAltName. */
export function encodeServerExtensions(wanted: ServerExtensions): asn1js.Sequence {
  const extensions: asn1js.Sequence[] = [];
  if (wanted.certificate) {
    extensions.push(extension(extensionOids.basicConstraints, true, new asn1js.Sequence()));
  }
  extensions.push(
    extension(extensionOids.keyUsage, true, encodeKeyUsage(wanted.keyUsage)),
    extension(
      extensionOids.extendedKeyUsage,
      false,
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: serverAuthOid })],
      }),
    ),
    extension(extensionOids.subjectAltName, false, encodeGeneralNames(wanted)),
  );
  if (wanted.certificate) {
    extensions.push(extension(
      extensionOids.subjectKeyIdentifier,
      false,
      new asn1js.OctetString({ valueHex: subjectKeyIdentifier(wanted.certificate.subjectPublicKeyInfo) }),
    ));
  }
  return new asn1js.Sequence({ value: extensions });
}

function extension(id: string, critical: boolean, value: asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: id }),
      ...(critical ? [new asn1js.Boolean({ value: true })] : []),
      new asn1js.OctetString({ valueHex: value.toBER() }),
    ],
  });
}

/** DER drops trailing zero bits, so the BIT STRING ends at the highest usage set. */
function encodeKeyUsage(flags: number): asn1js.BitString {
  const bits = 32 - Math.clz32(flags);
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  for (let bit = 0; bit < bits; bit++) {
    if (flags & (1 << bit)) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  }
  return new asn1js.BitString({ valueHex: bytes.buffer, unusedBits: bytes.length * 8 - bits });
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
function subjectKeyIdentifier(spki: Uint8Array): ArrayBuffer {
  const [, publicKey] = elements(decodeBer(spki, "subjectPublicKeyInfo"), "subjectPublicKeyInfo");
  if (!(publicKey instanceof asn1js.BitString)) {
    throw new Asn1ShapeError("subjectPublicKeyInfo", "expected BIT STRING subjectPublicKey");
  }
  const digest = createHash("sha1").update(Buffer.from(publicKey.valueBlock.valueHexView)).digest();
  return new Uint8Array(digest).buffer;
}

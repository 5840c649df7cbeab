// An X.509 certificate read once into the facts cstabox checks and shows: names, validity, key, usages,
// subject alternative names and fingerprint.

import { Buffer } from "node:buffer";
import { createHash, createPublicKey } from "node:crypto";
import * as asn1js from "asn1js";
import {
  Asn1ShapeError,
  decodeBer,
  elements,
  encoded,
  explicit,
  isContextTag,
  smallInteger,
} from "./asn1_tree.ts";
import { formatName } from "./distinguished_name.ts";
import type { SubjectAltName } from "./general_names.ts";
import { encodePem, parsePem, PemError } from "./pem.ts";
import { describeKey } from "./private_key.ts";
import { type Refusal, refusal } from "./problems.ts";
import { readSignatureAlgorithm, type SignatureAlgorithm, verifySignature } from "./signature_algorithm.ts";
import {
  type Extension,
  extensionOids,
  readBasicConstraints,
  readExtendedKeyUsage,
  readExtensions,
  readKeyUsage,
  readSubjectAltNames,
} from "./x509_extensions.ts";
import { errorText } from "../log/error_text.ts";

export interface ParsedCertificate {
  der: Uint8Array<ArrayBuffer>;
  /** `CN=box, O=Example`: attributes in certificate order, RFC 4514 escaping. */
  subject: string;
  issuer: string;
  /** Hex, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  subjectAltNames: SubjectAltName[];
  /** basicConstraints cA; undefined when the extension is absent. */
  isCa: boolean | undefined;
  /** keyUsage bits (`KeyUsage` flags); undefined when the extension is absent (= any usage). */
  keyUsage: number | undefined;
  /** extendedKeyUsage OIDs; undefined when the extension is absent (= any purpose). */
  extendedKeyUsage: string[] | undefined;
  /** How many v3 extensions it has; a version 1 certificate has none. */
  extensionCount: number;
  /** Subject and issuer are the same name (a root or a self-signed certificate). */
  selfIssued: boolean;
  /** SHA-256 of the DER, `AB:CD:…` as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
  /** e.g. `EC P-256`, `RSA 2048`. */
  keyDescription: string;
  /** e.g. `ECDSA with SHA-256`. */
  signatureAlgorithm: string;
  /** The hash the issuer signed with, e.g. `SHA-256`; used to warn about SHA-1. */
  signatureHash: string | undefined;
  /** SubjectPublicKeyInfo DER, to match against a private key. */
  spkiDer: Uint8Array<ArrayBuffer>;
  /** What the issuer signed (the tbsCertificate's DER), how, and the signature, to check the chain. */
  signed: { tbs: Uint8Array; algorithm: SignatureAlgorithm; signature: Uint8Array };
}

export const extendedKeyUsageOids = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  any: "2.5.29.37.0",
} as const;

const extendedKeyUsageNames: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

/** The name of an extendedKeyUsage OID as OpenSSL spells it, or the OID itself. */
export function extendedKeyUsageName(oid: string): string {
  return extendedKeyUsageNames[oid] ?? oid;
}

/**
 * Parses one DER certificate (RFC 5280 §4.1); throws `Asn1ShapeError`, naming the field, when it is not
 * one.
 */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const bytes = new Uint8Array(der);
  const [tbsNode, algorithmNode, signatureNode] = elements(decodeBer(bytes, "certificate"), "certificate");
  const tbs = readTbsCertificate(tbsNode);
  if (!(signatureNode instanceof asn1js.BitString)) {
    throw new Asn1ShapeError("certificate signatureValue", "expected BIT STRING");
  }
  const algorithm = readSignatureAlgorithm(algorithmNode, "certificate signatureAlgorithm");
  const extension = (id: string) => tbs.extensions.find((e) => e.oid === id)?.value;
  const basic = extension(extensionOids.basicConstraints);
  const usage = extension(extensionOids.keyUsage);
  const extended = extension(extensionOids.extendedKeyUsage);
  const alternativeNames = extension(extensionOids.subjectAltName);
  return {
    der: bytes,
    subject: tbs.subject,
    issuer: tbs.issuer,
    serialNumber: tbs.serialNumber,
    notBefore: tbs.notBefore,
    notAfter: tbs.notAfter,
    subjectAltNames: alternativeNames ? readSubjectAltNames(alternativeNames) : [],
    isCa: basic ? readBasicConstraints(basic) : undefined,
    keyUsage: usage ? readKeyUsage(usage) : undefined,
    extendedKeyUsage: extended ? readExtendedKeyUsage(extended) : undefined,
    extensionCount: tbs.extensions.length,
    selfIssued: tbs.subject === tbs.issuer,
    fingerprintSha256: fingerprint(bytes),
    keyDescription: describePublicKey(tbs.spkiDer),
    signatureAlgorithm: algorithm.name,
    signatureHash: algorithm.hash,
    spkiDer: tbs.spkiDer,
    signed: {
      tbs: encoded(tbsNode),
      algorithm,
      signature: new Uint8Array(signatureNode.valueBlock.valueHexView),
    },
  };
}

interface TbsCertificate {
  serialNumber: string;
  issuer: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Uint8Array<ArrayBuffer>;
  extensions: Extension[];
}

/** TBSCertificate: version [0] (DEFAULT v1), serial, signature, issuer, validity, subject, key, [1] [2] [3]. */
function readTbsCertificate(node: asn1js.AsnType): TbsCertificate {
  const fields = elements(node, "tbsCertificate");
  const at = isContextTag(fields[0], 0) ? 1 : 0;
  if (at === 1) smallInteger(explicit(fields[0], 0, "version"), "version");
  const [serial, , issuer, validity, subject, spki, ...optional] = fields.slice(at);
  if (!(serial instanceof asn1js.Integer)) throw new Asn1ShapeError("serialNumber", "expected INTEGER");
  const [notBefore, notAfter] = elements(validity, "validity");
  const extensions = optional.find((field) => isContextTag(field, 3));
  return {
    serialNumber: serial.valueBlock.valueHexView.toHex().toUpperCase(),
    issuer: formatName(issuer, "issuer"),
    subject: formatName(subject, "subject"),
    notBefore: readTime(notBefore, "notBefore"),
    notAfter: readTime(notAfter, "notAfter"),
    spkiDer: encoded(spki),
    extensions: extensions ? readExtensions(explicit(extensions, 3, "extensions"), "extension") : [],
  };
}

function readTime(node: asn1js.AsnType | undefined, what: string): Date {
  // GeneralizedTime extends UTCTime in asn1js; both give a Date.
  if (!(node instanceof asn1js.UTCTime)) {
    throw new Asn1ShapeError(what, "expected UTCTime or GeneralizedTime");
  }
  return node.toDate();
}

/** Whether `issuer`'s key verifies the signature on `child`; throws when the algorithm cannot be checked. */
export function isSignedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return verifySignature(child.signed.algorithm, child.signed.tbs, child.signed.signature, issuer.spkiDer);
}

function describePublicKey(spkiDer: Uint8Array): string {
  try {
    return describeKey(createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" }));
  } catch {
    return "unknown";
  }
}

function fingerprint(der: Uint8Array): string {
  return createHash("sha256").update(der).digest().toHex().toUpperCase().replace(/(..)(?!$)/g, "$1:");
}

/**
 * Every certificate in `text`, in the order given. Unreadable blocks become refusals (with their
 * position) rather than exceptions, so an import can report them next to the other problems.
 */
export function parseCertificatesPem(
  text: string,
  what: string,
): { certificates: ParsedCertificate[]; refusals: Refusal[] } {
  let blocks;
  try {
    blocks = parsePem(text);
  } catch (error) {
    if (error instanceof PemError) {
      return { certificates: [], refusals: [refusal("pem_malformed", `${what}: ${error.message}`)] };
    }
    throw error;
  }
  const certificates: ParsedCertificate[] = [];
  const refusals: Refusal[] = [];
  for (const [i, block] of blocks.filter((b) => b.label === "CERTIFICATE").entries()) {
    try {
      certificates.push(parseCertificateDer(block.der));
    } catch (error) {
      refusals.push(
        refusal(
          "certificate_unreadable",
          `${what}, certificate ${i + 1}: not a readable X.509 certificate (${errorText(error)})`,
        ),
      );
    }
  }
  return { certificates, refusals };
}

/** The chain as PEM text, in the order given. */
export function certificatesToPem(certificates: ParsedCertificate[]): string {
  return certificates.map((c) => encodePem("CERTIFICATE", c.der)).join("");
}

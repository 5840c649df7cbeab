// An X.509 certificate read once into the facts cstabox checks and shows: names, validity, key, usages,
// subject alternative names and fingerprint.

import { Buffer } from "node:buffer";
import { createHash, createPublicKey } from "node:crypto";
import { encodePem, parsePem, PemError } from "./pem.ts";
import { describeKey } from "./private_key.ts";
import { type Refusal, refusal } from "./problems.ts";
import * as x509 from "./x509.ts";

/** One subjectAltName entry; DNS names and IP addresses are what TLS clients compare against. */
export interface SubjectAltName {
  type: "dns" | "ip" | "email" | "url" | "other";
  value: string;
}

export interface ParsedCertificate {
  der: Uint8Array<ArrayBuffer>;
  x509: x509.X509Certificate;
  subject: string;
  issuer: string;
  /** Hex, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  subjectAltNames: SubjectAltName[];
  /** basicConstraints cA; undefined when the extension is absent. */
  isCa: boolean | undefined;
  /** keyUsage bits (`x509.KeyUsageFlags`); undefined when the extension is absent (= any usage). */
  keyUsage: number | undefined;
  /** extendedKeyUsage OIDs; undefined when the extension is absent (= any purpose). */
  extendedKeyUsage: string[] | undefined;
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

/** Parses one DER certificate; throws when it is not one. */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  const bytes = new Uint8Array(der);
  const cert = new x509.X509Certificate(bytes);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  const extended = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const spkiDer = new Uint8Array(cert.publicKey.rawData);
  const { name: signatureAlgorithm, hash: signatureHash } = describeSignature(cert);
  return {
    der: bytes,
    x509: cert,
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subjectAltNames: readSubjectAltNames(cert),
    isCa: basic ? basic.ca : undefined,
    keyUsage: usage ? usage.usages : undefined,
    extendedKeyUsage: extended ? extended.usages.map(String) : undefined,
    selfIssued: cert.subject === cert.issuer,
    fingerprintSha256: fingerprint(bytes),
    keyDescription: describePublicKey(spkiDer),
    signatureAlgorithm,
    signatureHash,
    spkiDer,
  };
}

function readSubjectAltNames(cert: x509.X509Certificate): SubjectAltName[] {
  const extension = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!extension) return [];
  return extension.names.items.map((name) => {
    const type = name.type === "dns" || name.type === "ip" || name.type === "email" || name.type === "url"
      ? name.type
      : "other";
    return { type, value: name.value };
  });
}

function describeSignature(cert: x509.X509Certificate): { name: string; hash: string | undefined } {
  try {
    const algorithm = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
    const hash = algorithm.hash?.name;
    const name = algorithm.name === "RSASSA-PKCS1-v1_5" ? "RSA" : algorithm.name;
    return { name: hash ? `${name} with ${hash}` : name, hash };
  } catch {
    return { name: "unknown", hash: undefined };
  }
}

function describePublicKey(spkiDer: Uint8Array): string {
  try {
    return describeKey(createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" }));
  } catch {
    return "unknown";
  }
}

function fingerprint(der: Uint8Array): string {
  const digest = createHash("sha256").update(der).digest();
  return Array.from(digest, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(":");
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
          `${what}, certificate ${i + 1}: not a readable X.509 certificate (${(error as Error).message})`,
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

// Certificate signature algorithms (RFC 5758, RFC 4055, RFC 8410): named for status pages, checked on an
// imported chain, and used to sign what cstabox makes, all through node:crypto.

import { Buffer } from "node:buffer";
import { constants, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import * as asn1js from "asn1js";
import { elements, explicit, isContextTag, oid, smallInteger } from "./asn1_tree.ts";

/** How a certificate was signed, as read from its signatureAlgorithm. */
export interface SignatureAlgorithm {
  /** e.g. `ECDSA with SHA-256`, `RSA-PSS with SHA-256`, `Ed25519`. */
  name: string;
  /** The digest, e.g. `SHA-256`; undefined for Ed25519 or an algorithm cstabox does not know. */
  hash: string | undefined;
  /** How to check it with node:crypto; undefined when cstabox cannot. */
  check: { digest: string | null; pss?: { saltLength: number } } | undefined;
}

const hashes: Record<string, string> = {
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.4": "SHA-224",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};

const known: Record<string, { family: string; hash?: string }> = {
  "1.2.840.113549.1.1.4": { family: "RSA", hash: "MD5" },
  "1.2.840.113549.1.1.5": { family: "RSA", hash: "SHA-1" },
  "1.2.840.113549.1.1.14": { family: "RSA", hash: "SHA-224" },
  "1.2.840.113549.1.1.11": { family: "RSA", hash: "SHA-256" },
  "1.2.840.113549.1.1.12": { family: "RSA", hash: "SHA-384" },
  "1.2.840.113549.1.1.13": { family: "RSA", hash: "SHA-512" },
  "1.2.840.10045.4.1": { family: "ECDSA", hash: "SHA-1" },
  "1.2.840.10045.4.3.1": { family: "ECDSA", hash: "SHA-224" },
  "1.2.840.10045.4.3.2": { family: "ECDSA", hash: "SHA-256" },
  "1.2.840.10045.4.3.3": { family: "ECDSA", hash: "SHA-384" },
  "1.2.840.10045.4.3.4": { family: "ECDSA", hash: "SHA-512" },
  "1.3.101.112": { family: "Ed25519" },
  "1.3.101.113": { family: "Ed448" },
};

const rsaPssOid = "1.2.840.113549.1.1.10";

/** Reads an AlgorithmIdentifier; never throws for an unknown algorithm (it just cannot be checked). */
export function readSignatureAlgorithm(node: asn1js.AsnType, what: string): SignatureAlgorithm {
  const [algorithm, parameters] = elements(node, what);
  const id = oid(algorithm, `${what} algorithm`);
  if (id === rsaPssOid) return readRsaPss(parameters, what);
  const entry = known[id];
  if (!entry) return { name: id, hash: undefined, check: undefined };
  const name = entry.hash ? `${entry.family} with ${entry.hash}` : entry.family;
  return { name, hash: entry.hash, check: { digest: entry.hash ? nodeDigest(entry.hash) : null } };
}

/** RSASSA-PSS-params (RFC 4055 §3.1): hashAlgorithm [0] DEFAULT SHA-1, saltLength [2] DEFAULT 20. */
function readRsaPss(parameters: asn1js.AsnType | undefined, what: string): SignatureAlgorithm {
  let hash = "SHA-1";
  let saltLength = 20;
  const fields = parameters instanceof asn1js.Sequence ? parameters.valueBlock.value : [];
  for (const field of fields) {
    if (isContextTag(field, 0)) {
      const [digest] = elements(explicit(field, 0, `${what} hashAlgorithm`), `${what} hashAlgorithm`);
      const digestOid = oid(digest, `${what} hashAlgorithm`);
      hash = hashes[digestOid] ?? digestOid;
    } else if (isContextTag(field, 2)) {
      saltLength = smallInteger(explicit(field, 2, `${what} saltLength`), `${what} saltLength`);
    }
  }
  const digest = Object.values(hashes).includes(hash) ? nodeDigest(hash) : undefined;
  return {
    name: `RSA-PSS with ${hash}`,
    hash,
    check: digest ? { digest, pss: { saltLength } } : undefined,
  };
}

function nodeDigest(hash: string): string {
  return hash.replace("-", "").toLowerCase();
}

/**
 * Whether `signature` over `signed` verifies with the public key in `spkiDer`. Throws when the algorithm
 * is one cstabox cannot check, or the key does not suit it.
 */
export function verifySignature(
  algorithm: SignatureAlgorithm,
  signed: Uint8Array,
  signature: Uint8Array,
  spkiDer: Uint8Array,
): boolean {
  if (!algorithm.check) throw new Error(`unsupported signature algorithm ${algorithm.name}`);
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" });
  const { digest, pss } = algorithm.check;
  const withPadding = pss
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }
    : key;
  return verify(digest, Buffer.from(signed), withPadding, Buffer.from(signature));
}

/** The AlgorithmIdentifier cstabox signs with for `key` (EC or RSA, as `generateKey` makes them). */
export function signatureAlgorithmFor(key: KeyObject): asn1js.Sequence {
  const { id, nullParameters } = signingAlgorithm(key);
  return new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: id }), ...(nullParameters ? [new asn1js.Null()] : [])],
  });
}

/**
 * `SEQUENCE { toBeSigned, signatureAlgorithm, signature BIT STRING }` in DER, the shape of both a
 * certificate (RFC 5280 §4.1) and a CSR (RFC 2986 §4.2), signed with `key`.
 */
export function signStructure(toBeSigned: asn1js.Sequence, key: KeyObject): Uint8Array<ArrayBuffer> {
  const tbs = Buffer.from(toBeSigned.toBER());
  // node:crypto writes ECDSA signatures as the DER SEQUENCE { r, s } that X.509 carries.
  const signature = new Uint8Array(sign(signingAlgorithm(key).digest, tbs, key));
  const signed = new asn1js.Sequence({
    value: [
      toBeSigned,
      signatureAlgorithmFor(key),
      new asn1js.BitString({ valueHex: signature.buffer, unusedBits: 0 }),
    ],
  });
  return new Uint8Array(signed.toBER());
}

function signingAlgorithm(key: KeyObject): { id: string; digest: string; nullParameters: boolean } {
  if (key.asymmetricKeyType === "rsa") {
    return { id: "1.2.840.113549.1.1.11", digest: "sha256", nullParameters: true };
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "secp384r1" || curve === "P-384") {
      return { id: "1.2.840.10045.4.3.3", digest: "sha384", nullParameters: false };
    }
    return { id: "1.2.840.10045.4.3.2", digest: "sha256", nullParameters: false };
  }
  throw new Error(`cannot sign with a ${key.asymmetricKeyType} key`);
}

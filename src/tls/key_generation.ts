// New key pairs for the self-signed certificate and for CSRs, made with WebCrypto, exported as PKCS#8 PEM.

import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { encodePem } from "./pem.ts";

/** The key types an administrator may choose for a CSR; ECDSA P-256 is the default and what cstabox generates. */
export const keyAlgorithmChoices = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"] as const;
export type KeyAlgorithmChoice = typeof keyAlgorithmChoices[number];

export interface GeneratedKey {
  /** To sign the certificate or CSR with (see `signStructure`). */
  privateKey: KeyObject;
  /** SubjectPublicKeyInfo DER, as it goes into the certificate or CSR. */
  spkiDer: Uint8Array<ArrayBuffer>;
  pkcs8Pem: string;
}

export async function generateKey(choice: KeyAlgorithmChoice = "ecdsa-p256"): Promise<GeneratedKey> {
  const algorithm = choice.startsWith("ecdsa-")
    ? { name: "ECDSA", namedCurve: choice === "ecdsa-p384" ? "P-384" : "P-256" }
    : {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: Number(choice.slice("rsa-".length)),
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    };
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  const spkiDer = new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" }));
  return { privateKey, spkiDer, pkcs8Pem: encodePem("PRIVATE KEY", pkcs8) };
}

/** A positive 128-bit serial number (RFC 5280 allows up to 20 octets; CAs use random ones). */
export function randomSerialNumber(): Uint8Array<ArrayBuffer> {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return bytes;
}

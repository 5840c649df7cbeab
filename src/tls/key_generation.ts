// New key pairs for the self-signed certificate and for CSRs, made with WebCrypto, exported as PKCS#8 PEM.

import { encodePem } from "./pem.ts";

/** The key types an administrator may choose for a CSR; ECDSA P-256 is the default and what cstabox generates. */
export const keyAlgorithmChoices = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"] as const;
export type KeyAlgorithmChoice = typeof keyAlgorithmChoices[number];

export interface GeneratedKey {
  keys: CryptoKeyPair;
  /** The algorithm to sign certificates and CSRs with, for @peculiar/x509. */
  signingAlgorithm: EcdsaParams | Algorithm;
  pkcs8Pem: string;
}

export async function generateKey(choice: KeyAlgorithmChoice = "ecdsa-p256"): Promise<GeneratedKey> {
  let keys: CryptoKeyPair;
  let signingAlgorithm: EcdsaParams | Algorithm;
  if (choice.startsWith("ecdsa-")) {
    const p384 = choice === "ecdsa-p384";
    keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: p384 ? "P-384" : "P-256" }, true, [
      "sign",
      "verify",
    ]);
    signingAlgorithm = { name: "ECDSA", hash: p384 ? "SHA-384" : "SHA-256" } as EcdsaParams;
  } else {
    const modulusLength = Number(choice.slice("rsa-".length));
    const algorithm = {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    };
    keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
    signingAlgorithm = { name: "RSASSA-PKCS1-v1_5" };
  }
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { keys, signingAlgorithm, pkcs8Pem: encodePem("PRIVATE KEY", pkcs8) };
}

/** A positive 128-bit serial number in hex (RFC 5280 allows up to 20 bytes; CAs use random ones). */
export function randomSerialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

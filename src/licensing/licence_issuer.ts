// Issuing licence keys: the vendor signs a statement with its Ed25519 private key. Used by
// scripts/licence.ts and by tests with their own key pair; the appliance itself only verifies.

import {
  base64url,
  LICENCE_KEY_PREFIX,
  type LicenceStatement,
  licenceStatementSchema,
} from "./licence_key.ts";

/** Signs a statement (checked against the schema first) and returns the key text. */
export async function issueLicenceKey(privateKey: CryptoKey, statement: LicenceStatement): Promise<string> {
  const checked = licenceStatementSchema.parse(statement);
  const payload = new TextEncoder().encode(JSON.stringify(checked));
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, payload));
  return `${LICENCE_KEY_PREFIX}${payload.toBase64(base64url)}.${signature.toBase64(base64url)}`;
}

/** A fresh key id: `L-` and 16 hex digits of randomness. */
export function newLicenceId(
  random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(8));
  return "L-" + bytes.toHex().toUpperCase();
}

/** Makes a new Ed25519 key pair for signing licence keys (vendor side, or tests). */
export async function generateLicenceKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
}

/** Reads a PKCS#8 private key, DER bytes or PEM text, for signing. */
export async function importLicencePrivateKey(file: Uint8Array): Promise<CryptoKey> {
  const text = new TextDecoder().decode(file);
  const der = text.startsWith("-----BEGIN")
    ? Uint8Array.fromBase64(text.replace(/-----[^-]+-----|\s/g, ""))
    : file;
  return await crypto.subtle.importKey("pkcs8", der as Uint8Array<ArrayBuffer>, "Ed25519", false, ["sign"]);
}

/** The raw 32-byte public key as base64url, the form vendor_public_key.ts holds. */
export async function exportLicencePublicKey(publicKey: CryptoKey): Promise<string> {
  return new Uint8Array(await crypto.subtle.exportKey("raw", publicKey)).toBase64(base64url);
}

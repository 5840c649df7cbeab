// The vendor's Ed25519 public key, built into every package: licence keys verify against it. From source
// it is the development key (private half committed under test/fixtures/licence/, NOT FOR SALE);
// `deno task build --licence-public-key FILE` puts the seller's own key in its place.

import { fromBase64Url } from "./licence_key.ts";

/**
 * Raw 32-byte Ed25519 public key, base64url: test/fixtures/licence/DEVELOPMENT-KEY-NOT-FOR-SALE.pub.
 * scripts/build.ts replaces this exact string in the bundle; keep it on one line.
 */
export const VENDOR_PUBLIC_KEY = "IttxiPD8aee8omh86VA7EtrPYRNgRAEYcYA4NyPSKWs";

/** Imports a raw base64url Ed25519 public key for verifying licence keys. */
export async function importLicencePublicKey(raw: string): Promise<CryptoKey> {
  const bytes = fromBase64Url(raw);
  if (!bytes || bytes.length !== 32) throw new Error("a licence public key is 32 bytes of base64url");
  return await crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, "Ed25519", true, ["verify"]);
}

/** The key the appliance verifies licence keys with. */
export function vendorPublicKey(): Promise<CryptoKey> {
  return importLicencePublicKey(VENDOR_PUBLIC_KEY);
}

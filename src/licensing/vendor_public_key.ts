// The vendor's Ed25519 public key, built into every binary: licence keys verify against it. The private
// half is kept by the vendor (outside the repository) and used by scripts/licence.ts.

import { fromBase64Url } from "./licence_key.ts";

/** Raw 32-byte Ed25519 public key, base64url. Generated with `scripts/licence.ts --new-key-pair`. */
export const VENDOR_PUBLIC_KEY = "vxMCvPTi8H3YLpg-K_Ve1hp4ngRh3akzGiGt3hnB4Mc";

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

// The PKCS#12 key derivation (RFC 7292 appendix B.2): it turns the .p12 password into the MAC key and,
// for the legacy PKCS#12 ciphers, into the key and IV. PBES2 content uses PBKDF2 instead (password_decryption.ts).

import { createHash } from "node:crypto";

/** What the derived bytes are for: the ID byte of RFC 7292 B.3. */
export type Pkcs12KeyPurpose = "key" | "iv" | "mac";
const purposeId: Record<Pkcs12KeyPurpose, number> = { key: 1, iv: 2, mac: 3 };

/** Hash functions the KDF runs on, with their block size `v` in bytes (RFC 7292 B.2). */
export const pkcs12Hashes = {
  sha1: { blockBytes: 64, outputBytes: 20 },
  sha224: { blockBytes: 64, outputBytes: 28 },
  sha256: { blockBytes: 64, outputBytes: 32 },
  sha384: { blockBytes: 128, outputBytes: 48 },
  sha512: { blockBytes: 128, outputBytes: 64 },
} as const;
export type Pkcs12Hash = keyof typeof pkcs12Hashes;

/** The password as PKCS#12 wants it: UTF-16 big-endian with a two-byte zero terminator. */
export function bmpPassword(password: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    out[i * 2] = unit >> 8;
    out[i * 2 + 1] = unit & 0xff;
  }
  return out;
}

function repeatToMultiple(input: Uint8Array, blockBytes: number): Uint8Array {
  if (input.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(blockBytes * Math.ceil(input.length / blockBytes));
  for (let i = 0; i < out.length; i++) out[i] = input[i % input.length];
  return out;
}

/** Derives `length` bytes for `purpose` from the BMP-encoded password (RFC 7292 B.2). */
export function pkcs12Kdf(
  hash: Pkcs12Hash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  purpose: Pkcs12KeyPurpose,
  length: number,
): Uint8Array<ArrayBuffer> {
  const { blockBytes: v, outputBytes: u } = pkcs12Hashes[hash];
  const diversifier = new Uint8Array(v).fill(purposeId[purpose]);
  const salted = repeatToMultiple(salt, v);
  const passworded = repeatToMultiple(password, v);
  const input = new Uint8Array(salted.length + passworded.length);
  input.set(salted);
  input.set(passworded, salted.length);

  const out = new Uint8Array(Math.ceil(length / u) * u);
  for (let round = 0; round * u < length; round++) {
    let digest: Uint8Array = createHash(hash).update(diversifier).update(input).digest();
    for (let r = 1; r < iterations; r++) digest = createHash(hash).update(digest).digest();
    out.set(digest, round * u);
    // I_j = (I_j + B + 1) mod 2^(8v), B being the digest repeated to v bytes.
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k] + digest[k % u] + carry;
        input[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out.slice(0, length);
}

// Salted password hashes (PBKDF2-SHA-256 via WebCrypto) for web users and CSTA users; the stored form
// names its algorithm and cost so the cost can be raised later without breaking old hashes.

import { timingSafeEqual } from "node:crypto";

const algorithm = "pbkdf2-sha256";
/** OWASP's 2023 guidance for PBKDF2-HMAC-SHA256. */
export const defaultIterations = 600_000;

/** Hashes a password as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`. */
export async function hashPassword(password: string, iterations = defaultIterations): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return [algorithm, iterations, salt.toBase64(), hash.toBase64()].join("$");
}

/** True when `password` matches `stored`; compares in constant time; false for malformed records. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [name, iterText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterText);
  if (name !== algorithm || !Number.isInteger(iterations) || iterations < 1 || !saltText || !hashText) {
    return false;
  }
  const expected = Uint8Array.fromBase64(hashText);
  const actual = await derive(password, Uint8Array.fromBase64(saltText), iterations);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

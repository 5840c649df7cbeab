// Random secrets for sessions, CSRF and API tokens, their stored form (SHA-256) and a comparison that
// takes the same time whatever the first differing character is.

import { timingSafeEqual } from "node:crypto";

/** `bytes` random bytes as base64url without padding (43 characters for 32 bytes). */
export function randomToken(bytes = 32, random: (buffer: Uint8Array) => Uint8Array = defaultRandom): string {
  return random(new Uint8Array(bytes)).toBase64({ alphabet: "base64url", omitPadding: true });
}

/** The hex SHA-256 of a secret: what the store keeps instead of the secret itself. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

/** Equality of two strings in time that depends on their length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function defaultRandom(buffer: Uint8Array): Uint8Array {
  return crypto.getRandomValues(buffer);
}

// Random secrets for sessions, CSRF and API tokens, their stored form (SHA-256) and a comparison that
// takes the same time whatever the first differing character is.

/** `bytes` random bytes as base64url without padding (43 characters for 32 bytes). */
export function randomToken(bytes = 32, random: (buffer: Uint8Array) => Uint8Array = defaultRandom): string {
  const raw = random(new Uint8Array(bytes));
  let binary = "";
  for (const byte of raw) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The hex SHA-256 of a secret: what the store keeps instead of the secret itself. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Equality of two strings in time that depends on their length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function defaultRandom(buffer: Uint8Array): Uint8Array {
  return crypto.getRandomValues(buffer);
}

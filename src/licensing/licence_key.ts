// Licence keys: a signed statement of lines, customer and optional expiry, as one copy-and-paste line
// `CSTABOX1-<payload>.<signature>` (base64url JSON and its Ed25519 signature by the vendor).

import { z } from "zod";

export const LICENCE_KEY_PREFIX = "CSTABOX1-";
/** Base64url without `=` padding (RFC 4648 §5): the alphabet of licence keys, safe in URLs, e-mails and forms. */
export const base64url = { alphabet: "base64url", omitPadding: true } as const;
/** Longest key text accepted; a real key is about 250 characters. */
export const LICENCE_KEY_MAX = 2048;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD").refine(
  isCalendarDate,
  "not a calendar date",
);

function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** What the vendor signs. `id` makes each key unique, so the same key entered twice counts once. */
export const licenceStatementSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, - and _"),
  customer: z.string().trim().min(1).max(200),
  lines: z.number().int().min(1).max(100_000),
  issued: date,
  expires: date.optional(),
});

export type LicenceStatement = z.infer<typeof licenceStatementSchema>;

/** Why a key does not count. Each comes with a message an administrator can act on. */
export type LicenceKeyReason = "malformed" | "bad-signature" | "invalid-statement" | "expired" | "duplicate";

export type LicenceKeyCheck =
  | { ok: true; statement: LicenceStatement; text: string }
  | { ok: false; reason: LicenceKeyReason; message: string; statement?: LicenceStatement };

/** The key text as stored and compared: without the spaces and line breaks of a copy from an e-mail. */
export function normaliseLicenceKey(text: string): string {
  return text.replace(/\s+/g, "");
}

/**
 * Checks a key's form and signature with the verifying public key (the vendor's, or a test key) and
 * returns its statement. Expiry is a separate question (`licenceExpired`) because it changes with time.
 */
export async function readLicenceKey(raw: string, publicKey: CryptoKey): Promise<LicenceKeyCheck> {
  const text = normaliseLicenceKey(raw);
  const malformed = (message: string): LicenceKeyCheck => ({ ok: false, reason: "malformed", message });
  if (text.length > LICENCE_KEY_MAX) return malformed(`the key is longer than ${LICENCE_KEY_MAX} characters`);
  if (!text.startsWith(LICENCE_KEY_PREFIX)) {
    return malformed(`a cstabox licence key starts with ${LICENCE_KEY_PREFIX}`);
  }
  const parts = text.slice(LICENCE_KEY_PREFIX.length).split(".");
  const [payload, signature] = parts.map(fromBase64Url);
  if (parts.length !== 2 || !payload || !signature || payload.length === 0) {
    return malformed("the key is incomplete or damaged (expected two base64url parts joined by a dot)");
  }
  const verified = signature.length === 64 &&
    await crypto.subtle.verify(
      "Ed25519",
      publicKey,
      signature as Uint8Array<ArrayBuffer>,
      payload as Uint8Array<ArrayBuffer>,
    );
  if (!verified) {
    return {
      ok: false,
      reason: "bad-signature",
      message: "the signature does not match: the key was altered or was not issued for cstabox",
    };
  }
  return checkStatement(new TextDecoder().decode(payload), text);
}

function checkStatement(json: string, text: string): LicenceKeyCheck {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: "invalid-statement", message: "the signed statement is not JSON" };
  }
  const parsed = licenceStatementSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: "invalid-statement",
      message: `the signed statement is not understood: ${
        issue.path.join(".") || "statement"
      }: ${issue.message}`,
    };
  }
  return { ok: true, statement: parsed.data, text };
}

/** The first instant a key no longer counts: the day after its expiry date begins (UTC). */
export function licenceExpiresAt(statement: LicenceStatement): number | undefined {
  if (!statement.expires) return undefined;
  const [year, month, day] = statement.expires.split("-").map(Number);
  return Date.UTC(year, month - 1, day + 1);
}

/** Whether a key has expired at `now`; a key counts through the whole of its expiry date. */
export function licenceExpired(statement: LicenceStatement, now: number): boolean {
  const end = licenceExpiresAt(statement);
  return end !== undefined && now >= end;
}

/** The bytes of one key part; `undefined` for anything but base64url letters (no padding, no spaces). */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.fromBase64(text, { alphabet: "base64url" });
  } catch {
    return undefined;
  }
}

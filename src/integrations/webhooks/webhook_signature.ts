// The webhook signature: HMAC-SHA256 over `<timestamp>.<body>` with the endpoint's secret, sent as
// `X-Cstabox-Signature: sha256=<hex>` beside `X-Cstabox-Timestamp`, so a receiver can prove the sender and
// refuse a replayed delivery (docs/integrations.md shows the check).

import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-cstabox-signature";
export const TIMESTAMP_HEADER = "x-cstabox-timestamp";
export const EVENT_HEADER = "x-cstabox-event";
export const DELIVERY_HEADER = "x-cstabox-delivery";

/** `sha256=<hex>` of the timestamp (Unix seconds) and the body as sent. */
export function signature(secret: string, timestamp: number, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/**
 * The receiver's check: the signature matches and the timestamp is within `toleranceSeconds` of `now`
 * (Unix seconds). Compared in constant time.
 */
export function verifySignature(
  secret: string,
  headers: { signature: string | null; timestamp: string | null },
  body: string,
  now: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = new TextEncoder().encode(signature(secret, timestamp, body));
  const given = new TextEncoder().encode(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

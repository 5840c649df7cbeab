// Cross-site request forgery defences for state-changing requests: the browser's own statement of where
// a request comes from (Sec-Fetch-Site, Origin) for every caller, and the per-session token for sessions.

import { constantTimeEqual } from "./secret_token.ts";

/** The name of the hidden form field and of the header that carry the session's CSRF token. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

/**
 * Why a state-changing request must be refused as coming from another site, or undefined. Scripts (curl)
 * send neither header and pass; a browser always says where a request came from.
 */
export function crossSiteReason(headers: { get(name: string): string | null }): string | undefined {
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    return `the request came from another site (Sec-Fetch-Site: ${site})`;
  }
  const origin = headers.get("origin");
  if (origin === null) return undefined;
  const host = headers.get("host");
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `the request came from an unknown origin (${origin})`;
  }
  if (host !== null && originHost !== host) return `the request came from ${origin}, not from this appliance`;
  return undefined;
}

/** True when the presented token is the session's. */
export function csrfTokenMatches(expected: string, presented: string | undefined | null): boolean {
  return typeof presented === "string" && presented.length > 0 && constantTimeEqual(expected, presented);
}

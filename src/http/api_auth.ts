// Authentication of the JSON API: a browser session (with its CSRF token on state-changing requests), an
// API token (`Authorization: Bearer`), or HTTP Basic of a web user. Tokens and Basic are accepted over
// HTTPS or from loopback only (a secret must never cross the network in clear); failures are throttled
// per address and user name like web logins. Verified Basic logins are cached briefly because the hash is slow.

import type { Context, MiddlewareHandler } from "hono";
import type { LoginThrottle } from "../accounts/login_throttle.ts";
import { PasswordChecksBusyError } from "../accounts/password_checks.ts";
import { defaultAdminPassword, type WebUser, type WebUsers } from "../accounts/web_users.ts";
import { apiError } from "./api_errors.ts";
import type { ApiTokens } from "./auth/api_tokens.ts";
import { crossSiteReason, CSRF_HEADER, csrfTokenMatches } from "./auth/csrf.ts";
import { readSessionCookie } from "./auth/session_cookie.ts";
import type { SessionStore } from "./auth/session_store.ts";
import { type HttpEnv, isLoopback, isStateChanging } from "./context.ts";

export interface ApiAuthOptions {
  users: WebUsers;
  /** Browser sessions of the web UI; without them only Basic and tokens are accepted. */
  sessions?: SessionStore;
  tokens?: ApiTokens;
  /** Failed logins per address and user name (shared with the login page); none = unthrottled (tests). */
  throttle?: LoginThrottle;
  /** How long a verified Authorization header is trusted without re-hashing. */
  cacheMs?: number;
}

export function apiAuth(options: ApiAuthOptions): MiddlewareHandler<HttpEnv> {
  const cacheMs = options.cacheMs ?? 60_000;
  const verified = new Map<string, { user: string; until: number; generation: number }>();

  return async (c, next) => {
    if (isStateChanging(c.req.method)) {
      const crossSite = crossSiteReason(c.req.raw.headers);
      if (crossSite) return apiError(c, 403, "cross_site_request", crossSite);
    }
    const cookie = options.sessions ? readSessionCookie(c) : undefined;
    if (cookie && options.sessions) {
      const session = await options.sessions.find(cookie);
      if (session) {
        if (
          isStateChanging(c.req.method) && !csrfTokenMatches(session.csrfToken, c.req.header(CSRF_HEADER))
        ) {
          return apiError(
            c,
            403,
            "csrf_token_missing",
            `send the page's CSRF token in the ${CSRF_HEADER} header`,
          );
        }
        const user = options.users.list().find((u) => u.name === session.user);
        if (!user) return apiError(c, 401, "unauthorized", "the session's user no longer exists");
        if (user.mustChangePassword) {
          return apiError(c, 403, "password_change_required", "change the password on /password first");
        }
        options.sessions.touch(session);
        c.set("user", user.name);
        c.set("authMethod", "session");
        c.set("session", session);
        return next();
      }
    }

    const header = c.req.header("authorization") ?? "";
    const scheme = header.slice(0, header.indexOf(" ") + 1).toLowerCase();
    if (scheme !== "basic " && scheme !== "bearer ") {
      return unauthorized(c, "authentication required", !cookie);
    }
    if (!c.env.secure && !isLoopback(c.env.remoteAddress)) {
      return apiError(
        c,
        403,
        "insecure_transport",
        "passwords and tokens are accepted over HTTPS or from loopback only",
      );
    }
    const address = c.env.remoteAddress;
    const credentials = scheme === "basic " ? decodeBasic(header.slice(6).trim()) : undefined;
    if (options.throttle?.blocked(address, credentials?.name)) {
      return apiError(
        c,
        429,
        "too_many_attempts",
        "too many failed logins from this address or for this user name; wait a minute",
      );
    }

    if (scheme === "bearer ") {
      const token = options.tokens && (await options.tokens.identify(header.slice(7).trim()));
      if (!token) {
        options.throttle?.recordFailure(address);
        return unauthorized(c, "unknown or revoked API token", true);
      }
      c.set("user", token.user);
      c.set("authMethod", "token");
      c.set("token", { id: token.id, name: token.name });
      return next();
    }

    const cached = verified.get(header);
    if (cached && cached.until > Date.now() && cached.generation === options.users.generation) {
      c.set("user", cached.user);
      c.set("authMethod", "basic");
      return next();
    }
    let user: WebUser | undefined;
    try {
      user = credentials && (await options.users.authenticate(credentials.name, credentials.password));
    } catch (error) {
      if (!(error instanceof PasswordChecksBusyError)) throw error;
      // As the login page: a busy refusal counts against the address only.
      options.throttle?.recordFailure(address);
      c.header("Retry-After", "5");
      return apiError(c, 503, "busy", error.message);
    }
    if (!user) {
      options.throttle?.recordFailure(address, credentials?.name);
      return unauthorized(c, "wrong user name or password", true);
    }
    // The well-known default password opens nothing until it is changed; a provisioned one serves scripts.
    if (user.mustChangePassword && credentials?.password === defaultAdminPassword) {
      return apiError(
        c,
        403,
        "default_password",
        "the default password must be changed first: log in to the web UI",
      );
    }
    options.throttle?.recordSuccess(user.name);
    if (verified.size > 1000) verified.clear();
    verified.set(header, {
      user: user.name,
      until: Date.now() + cacheMs,
      generation: options.users.generation,
    });
    c.set("user", user.name);
    c.set("authMethod", "basic");
    return next();
  };
}

/** 401; the Basic challenge only for callers that are not the web UI (it would open a browser dialog). */
function unauthorized(c: Context<HttpEnv>, message: string, challenge: boolean): Response {
  if (challenge && !c.req.header(CSRF_HEADER)) {
    c.header("WWW-Authenticate", 'Basic realm="cstabox", charset="UTF-8"');
  }
  return apiError(c, 401, "unauthorized", message);
}

function decodeBasic(encoded: string): { name: string; password: string } | undefined {
  let text: string;
  try {
    text = new TextDecoder().decode(Uint8Array.fromBase64(encoded));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

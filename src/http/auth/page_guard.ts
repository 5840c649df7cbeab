// The gate in front of every page: a browser session is needed (else to the login page), the default or
// provisioned password must have been changed (else to the password page), and a state-changing request
// must come from this appliance's own page with the session's CSRF token.

import type { Context, MiddlewareHandler } from "hono";
import { pageChangeRefused } from "../../accounts/roles.ts";
import type { WebUsers } from "../../accounts/web_users.ts";
import { bodyTooLarge, FORM_BODY_MAX } from "../body_limit.ts";
import { type HttpEnv, isStateChanging } from "../context.ts";
import { crossSiteReason, CSRF_FIELD, CSRF_HEADER, csrfTokenMatches } from "./csrf.ts";
import { readSessionCookie } from "./session_cookie.ts";
import type { SessionStore, WebSession } from "./session_store.ts";

export interface PageGuardOptions {
  sessions: SessionStore;
  users: WebUsers;
  /** True for the password page (and logout), which a user who must change the password may use. */
  allowPasswordChangePending?: boolean;
  /** Largest form body accepted, by path (uploads); default `FORM_BODY_MAX`. */
  maxBodyBytes?: (path: string) => number;
  /** The page for a change the user's role does not allow (a short text without it). */
  refusedPage?: (c: Context<HttpEnv>, reason: string) => Promise<Response>;
}

/** Stands for this appliance's origin while a `next` is parsed; never sent anywhere. */
const OWN_ORIGIN = "http://cstabox.invalid";

/**
 * The path to come back to after login: a path of this appliance, decided on the URL as a browser parses
 * it (which drops tabs and newlines and reads `\` as `/`: `/\t/evil.example/` is `//evil.example/`).
 */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, OWN_ORIGIN);
  } catch {
    return "/";
  }
  return url.origin === OWN_ORIGIN ? url.pathname + url.search + url.hash : "/";
}

export function pageGuard(options: PageGuardOptions): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const token = readSessionCookie(c);
    const session = token ? await options.sessions.find(token) : undefined;
    const user = session && options.users.list().find((u) => u.name === session.user);
    if (!session || !user) {
      if (!isStateChanging(c.req.method)) {
        const url = new URL(c.req.url);
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return c.redirect("/login", 303);
    }
    if (user.mustChangePassword && !options.allowPasswordChangePending) return c.redirect("/password", 303);
    if (isStateChanging(c.req.method)) {
      const refusal = await stateChangeRefusal(c, session.csrfToken, options);
      if (refusal) return refusal;
      const forbidden = pageChangeRefused(user.role, c.req.method.toUpperCase(), c.req.path, user.name);
      if (forbidden) {
        signIn(c, user.name, session);
        if (options.refusedPage) return options.refusedPage(c, forbidden);
        return c.text(`Refused: ${forbidden}. Ask an administrator.`, 403);
      }
    }
    options.sessions.touch(session);
    signIn(c, user.name, session);
    return next();
  };
}

function signIn(c: Context<HttpEnv>, user: string, session: WebSession): void {
  c.set("user", user);
  c.set("authMethod", "session");
  c.set("session", session);
}

async function stateChangeRefusal(
  c: Context<HttpEnv>,
  csrfToken: string,
  options: PageGuardOptions,
): Promise<Response | undefined> {
  const crossSite = crossSiteReason(c.req.raw.headers);
  if (crossSite) return refused(c, crossSite);
  const tooLarge = await bodyTooLarge(c, options.maxBodyBytes?.(c.req.path) ?? FORM_BODY_MAX);
  if (tooLarge) return tooLarge;
  let presented = c.req.header(CSRF_HEADER);
  if (!presented) {
    const type = c.req.header("content-type") ?? "";
    if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) {
      const body = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
      const field = body[CSRF_FIELD];
      presented = typeof field === "string" ? field : undefined;
    }
  }
  if (!csrfTokenMatches(csrfToken, presented)) {
    return refused(c, "the form was not sent by this session's page (missing or old CSRF token)");
  }
  return undefined;
}

function refused(c: Context<HttpEnv>, why: string): Response {
  return c.text(`Refused: ${why}. Reload the page and try again.`, 403);
}

// The session cookie: HttpOnly, SameSite=Strict, and over HTTPS `Secure` with the `__Host-` prefix so no
// other site or plain-HTTP page can set or read it. HTTP and HTTPS use different names because browsers
// share cookies between ports of one host.

import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { HttpEnv } from "../context.ts";

/** The cookie name for a transport. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-cstabox_session" : "cstabox_session";
}

export function readSessionCookie(c: Context<HttpEnv>): string | undefined {
  return getCookie(c, sessionCookieName(c.env.secure));
}

export function writeSessionCookie(c: Context<HttpEnv>, token: string): void {
  setCookie(c, sessionCookieName(c.env.secure), token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: c.env.secure,
    path: "/",
  });
}

export function clearSessionCookie(c: Context<HttpEnv>): void {
  deleteCookie(c, sessionCookieName(c.env.secure), { path: "/", secure: c.env.secure });
}

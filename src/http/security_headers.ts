// Headers on every answer: a Content-Security-Policy that lets a page load nothing from another origin
// (and run no inline script), no framing, no MIME sniffing, no referrer to other sites.

import type { MiddlewareHandler } from "hono";
import type { HttpEnv } from "./context.ts";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    await next();
    c.res.headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.res.headers.set("X-Content-Type-Options", "nosniff");
    c.res.headers.set("X-Frame-Options", "DENY");
    c.res.headers.set("Referrer-Policy", "same-origin");
    if (c.env?.secure) c.res.headers.set("Strict-Transport-Security", "max-age=31536000");
    if (!c.res.headers.has("Cache-Control") && !c.req.path.startsWith("/static/")) {
      c.res.headers.set("Cache-Control", "no-store");
    }
  };
}

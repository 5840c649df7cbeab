// The HTTP port sends browsers to HTTPS, except for requests from loopback, which it serves (so the demo
// opens without certificate warnings on one's own machine). /healthz and /readyz answer on both. The JSON API over
// plain HTTP from elsewhere is answered with a JSON error naming the HTTPS address instead of a redirect,
// so a script that sent a password in clear is told, not silently forwarded.

import type { MiddlewareHandler } from "hono";
import type { ServiceStatus } from "../service.ts";
import { apiError } from "./api_errors.ts";
import { type HttpEnv, isLoopback } from "./context.ts";

/** The HTTPS service's status, to find its port and whether it runs. */
export function httpsRedirect(https: () => ServiceStatus | undefined): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    if (
      c.env.secure || isLoopback(c.env.remoteAddress) || c.req.path === "/healthz" || c.req.path === "/readyz"
    ) return await next();
    const status = https();
    const port = status?.state === "running" || status?.state === "degraded"
      ? status.listeners?.[0]?.port
      : undefined;
    const url = new URL(c.req.url);
    const host = (c.req.header("host") ?? url.host).replace(/:\d+$/, "");
    const target = port
      ? `https://${host}${port === 443 ? "" : `:${port}`}${url.pathname}${url.search}`
      : undefined;
    if (c.req.path.startsWith("/api/")) {
      return apiError(
        c,
        403,
        "insecure_transport",
        target ? `use HTTPS: ${target}` : "the API is served over HTTPS only, and HTTPS is not running",
      );
    }
    if (!target) {
      return c.text(
        `The web UI is served over HTTPS only, and HTTPS is not running (${
          status?.reason ?? status?.state ?? "not configured"
        }). Open it on the appliance itself (http://127.0.0.1) or fix HTTPS.`,
        503,
      );
    }
    return c.redirect(target, c.req.method === "GET" || c.req.method === "HEAD" ? 301 : 308);
  };
}

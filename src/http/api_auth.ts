// HTTP Basic authentication of web users for the JSON API, allowed over HTTPS or from loopback only
// (a password must never cross the network in clear). Verified logins are cached briefly because the
// password hash is deliberately slow.

import type { MiddlewareHandler } from "hono";
import type { WebUsers } from "../auth/web_users.ts";
import { apiError } from "./api_errors.ts";
import { type HttpEnv, isLoopback } from "./context.ts";

export interface ApiAuthOptions {
  users: WebUsers;
  /** How long a verified Authorization header is trusted without re-hashing. */
  cacheMs?: number;
}

export function apiBasicAuth(options: ApiAuthOptions): MiddlewareHandler<HttpEnv> {
  const cacheMs = options.cacheMs ?? 60_000;
  const verified = new Map<string, { user: string; until: number; generation: number }>();
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    if (!header.toLowerCase().startsWith("basic ")) {
      c.header("WWW-Authenticate", 'Basic realm="cstabox", charset="UTF-8"');
      return apiError(c, 401, "unauthorized", "authentication required");
    }
    if (!c.env.secure && !isLoopback(c.env.remoteAddress)) {
      return apiError(
        c,
        403,
        "insecure_transport",
        "Basic authentication is accepted over HTTPS or from loopback only",
      );
    }
    const cached = verified.get(header);
    if (cached && cached.until > Date.now() && cached.generation === options.users.generation) {
      c.set("user", cached.user);
      return next();
    }
    const credentials = decodeBasic(header.slice(6).trim());
    const user = credentials && (await options.users.authenticate(credentials.name, credentials.password));
    if (!user) {
      c.header("WWW-Authenticate", 'Basic realm="cstabox", charset="UTF-8"');
      return apiError(c, 401, "unauthorized", "wrong user name or password");
    }
    if (verified.size > 1000) verified.clear();
    verified.set(header, {
      user: user.name,
      until: Date.now() + cacheMs,
      generation: options.users.generation,
    });
    c.set("user", user.name);
    return next();
  };
}

function decodeBasic(encoded: string): { name: string; password: string } | undefined {
  let text: string;
  try {
    text = new TextDecoder().decode(Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

// Who a line API request comes from and what it may do: the client that holds lines open (a token, a web
// session, a Basic user) and its line rights; a token with a line scope is kept to the line API.

import type { Context, MiddlewareHandler } from "hono";
import { LineRights } from "../../line_api/line_scope.ts";
import { apiError } from "../api_errors.ts";
import type { TokenLineScopes } from "../auth/token_line_scopes.ts";
import type { HttpEnv } from "../context.ts";
import type { LineCaller } from "./line_api.ts";

/** Paths (under /api) a token with a line scope may use. */
const LINE_API_PATH =
  /^\/api\/(lines\/[^/]+\/(open|close|status|calls|pickup|forwarding|do-not-disturb)|calls\/[^/]+\/[a-z-]+|events|openapi\.json)$/;

/** The caller of a line API request, read from what apiAuth set. */
export function lineCaller(scopes: TokenLineScopes | undefined): (c: Context<HttpEnv>) => LineCaller {
  return (c) => {
    const token = c.get("token");
    const user = c.get("user") ?? "unknown";
    if (token) {
      const label = `token "${token.name}"`;
      const scope = scopes?.get(token.id);
      return {
        client: { id: `token:${token.id}`, label },
        rights: scope ? new LineRights(scope, label) : LineRights.full(label),
      };
    }
    const session = c.get("session");
    if (session) {
      const label = `user ${user} (web session)`;
      return { client: { id: `session:${session.id.slice(0, 16)}`, label }, rights: LineRights.full(label) };
    }
    const label = `user ${user}`;
    return { client: { id: `user:${user}`, label }, rights: LineRights.full(label) };
  };
}

/** Keeps tokens with a line scope to the line API: any other /api path answers 403 saying so. */
export function scopedTokenGate(scopes: TokenLineScopes): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const token = c.get("token");
    if (token && !LINE_API_PATH.test(c.req.path) && scopes.get(token.id)) {
      return apiError(
        c,
        403,
        "LINEERR_NOTOWNER",
        `token "${token.name}" has a line scope and may use the line API only (not ${c.req.path})`,
      );
    }
    await next();
  };
}

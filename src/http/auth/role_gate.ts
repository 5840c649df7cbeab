// The one place the API enforces roles: every `/api` route, whether a script calls it (session, Basic or
// a token, which acts with its user's role) or a page calls it in process, passes this gate.

import type { MiddlewareHandler } from "hono";
import { apiRequestRefused, operatorRefusal } from "../../accounts/roles.ts";
import type { WebUsers } from "../../accounts/web_users.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import type { ApiTokens } from "./api_tokens.ts";

/** Refuses, with 403 naming the role, what the signed-in user's role does not allow. */
export function roleGate(users: WebUsers, tokens?: ApiTokens): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (user === undefined) return await next();
    // Mounted at /api for the network, at the root for the pages' in-process calls.
    const path = c.env.actingUser ? c.req.path : c.req.path.replace(/^\/api(?=\/)/, "");
    const method = c.req.method.toUpperCase();
    const role = users.role(user);
    const refusal = role
      ? apiRequestRefused(role, method, path, (id) => tokens?.list().find((t) => t.id === id)?.user, user)
      : operatorRefusal(user, `${method} /api${path}`);
    if (refusal) return apiError(c, 403, "role_forbidden", refusal);
    await next();
  };
}

// Who a request is, for the audit log: the user, how they signed in (a session, Basic, or which API
// token), and the address the request came from (the pages' in-process API calls keep the browser's).

import type { Context } from "hono";
import type { AuditActor } from "../../audit/audit_log.ts";
import type { HttpEnv } from "../context.ts";

export function auditActor(c: Context<HttpEnv>): AuditActor {
  const token = c.get("token");
  return {
    user: c.get("user") ?? "(unknown)",
    via: token ? `token "${token.name}"` : c.get("authMethod") ?? (c.env.actingUser ? "session" : "unknown"),
    address: c.env.remoteAddress,
  };
}

// JSON API of API tokens' line scopes, mounted at /api/line-scopes: which lines a token may use through the
// line API and whether it may control calls or only read. Tokens with a scope cannot reach this API.

import { Hono } from "hono";
import { z } from "zod";
import { lineScopeProblem } from "../../line_api/line_scope.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { ApiTokens } from "../auth/api_tokens.ts";
import type { TokenLineScopes } from "../auth/token_line_scopes.ts";
import type { HttpEnv } from "../context.ts";
import { readJsonBody } from "./json_body.ts";
import type { RouteDoc } from "./route_doc.ts";

export const lineScopeSchema = z.strictObject({
  lines: z.string().trim().min(1).max(2000).describe(
    "`*` for all lines, or numbers and ranges: `101, 103-110`",
  ),
  access: z.enum(["read", "control"]).describe("read: status and events; control: every operation"),
});

const storedScope = z.strictObject({ lines: z.string(), access: z.enum(["read", "control"]) });

/** The routes of /api/line-scopes for the OpenAPI document. */
export const LINE_SCOPES_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "Every API token with its line scope (null: no scope, the token acts as its user)",
    response: z.strictObject({
      tokens: z.array(z.strictObject({ id: z.string(), name: z.string(), scope: storedScope.nullable() })),
    }),
  },
  {
    method: "put",
    path: "/:tokenId",
    summary: "Give an API token a line scope",
    body: lineScopeSchema,
    response: z.strictObject({ id: z.string(), scope: storedScope }),
  },
  { method: "delete", path: "/:tokenId", summary: "Remove an API token's line scope", response: null },
];

export function createLineScopesApi(
  deps: { tokens: ApiTokens; scopes: TokenLineScopes; audit?: AuditLog },
): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => {
    const scopes = deps.scopes.all();
    return c.json({
      tokens: deps.tokens.list().map((t) => ({ id: t.id, name: t.name, scope: scopes.get(t.id) ?? null })),
    });
  });

  app.put("/:tokenId", async (c) => {
    const id = c.req.param("tokenId");
    if (!deps.tokens.list().some((t) => t.id === id)) {
      return apiError(c, 404, "not_found", `no API token ${id}`);
    }
    const body = await readJsonBody(c, lineScopeSchema);
    if (!body.ok) return body.response;
    const problem = lineScopeProblem(body.data);
    if (problem) return apiError(c, 400, "invalid_value", `lines: ${problem}`, { field: "lines" });
    const before = deps.scopes.get(id) ?? null;
    deps.scopes.set(id, body.data);
    deps.audit?.record(auditActor(c), {
      action: "token line scope set",
      object: `API token ${id}`,
      old: before,
      new: deps.scopes.get(id),
    });
    return c.json({ id, scope: deps.scopes.get(id) });
  });

  app.delete("/:tokenId", (c) => {
    const id = c.req.param("tokenId");
    if (!deps.tokens.list().some((t) => t.id === id)) {
      return apiError(c, 404, "not_found", `no API token ${id}`);
    }
    const before = deps.scopes.get(id) ?? null;
    deps.scopes.set(id, undefined);
    deps.audit?.record(auditActor(c), {
      action: "token line scope removed",
      object: `API token ${id}`,
      old: before,
    });
    return c.body(null, 204);
  });

  return app;
}

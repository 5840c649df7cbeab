// JSON API of the web users (who may log in to the web UI and the API), mounted at /api/users: list, add
// with a role and a first password (changed at the first login), change the role, remove. The last
// administrator can be neither removed nor made an operator. Administrators only (src/accounts/roles.ts).

import { Hono } from "hono";
import { z } from "zod";
import { ROLES } from "../../accounts/roles.ts";
import { type WebUser, WebUserError, type WebUsers } from "../../accounts/web_users.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import type { Logger } from "../../log/logger.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { apiError } from "../api_errors.ts";
import { newPasswordProblem } from "../auth/password_policy.ts";
import type { HttpEnv } from "../context.ts";
import type { RouteDoc } from "./route_doc.ts";
import { readJsonBody } from "./json_body.ts";

const addSchema = z.strictObject({
  name: z.string(),
  password: z.string(),
  role: z.enum(ROLES),
});
const roleSchema = z.strictObject({ role: z.enum(ROLES) });

const webUser: z.ZodType<WebUser> = z.strictObject({
  name: z.string(),
  mustChangePassword: z.boolean().describe("the first login must set a new password"),
  role: z.enum(ROLES),
});

/** The routes of /api/users for the OpenAPI document. */
export const WEB_USERS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The web users",
    response: z.strictObject({ users: z.array(webUser) }),
  },
  {
    method: "post",
    path: "/",
    summary: "Add a web user with a role and a first password",
    body: addSchema,
    status: 201,
    response: z.strictObject({ user: webUser }),
  },
  {
    method: "put",
    path: "/:name",
    summary: "Change a web user's role",
    body: roleSchema,
    response: z.strictObject({ user: webUser }),
  },
  {
    method: "delete",
    path: "/:name",
    summary: "Remove a web user (not the last administrator)",
    response: null,
  },
];

export function createWebUsersApi(deps: { users: WebUsers; log: Logger; audit?: AuditLog }): Hono<HttpEnv> {
  const { users, log } = deps;
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => c.json({ users: users.list() }));

  app.post("/", async (c) => {
    const body = await readJsonBody(c, addSchema);
    if (!body.ok) return body.response;
    const { name, password, role } = body.data;
    const weak = newPasswordProblem(password, { user: name, current: "" });
    if (weak) return apiError(c, 400, "invalid_value", `password: ${weak}`, { field: "password" });
    try {
      const user = await users.add(name, password, role);
      log.info("web user added", { name, role, by: c.get("user") });
      deps.audit?.record(auditActor(c), { action: "user added", object: `user ${name}`, new: { role } });
      return c.json({ user }, 201);
    } catch (error) {
      return refusal(c, error);
    }
  });

  app.put("/:name", async (c) => {
    const body = await readJsonBody(c, roleSchema);
    if (!body.ok) return body.response;
    const name = c.req.param("name");
    try {
      const before = users.setRole(name, body.data.role);
      log.info("web user role changed", { name, from: before, to: body.data.role, by: c.get("user") });
      deps.audit?.record(auditActor(c), {
        action: "user role changed",
        object: `user ${name}`,
        old: { role: before },
        new: { role: body.data.role },
      });
      return c.json({ user: users.list().find((u) => u.name === name) });
    } catch (error) {
      return refusal(c, error);
    }
  });

  app.delete("/:name", (c) => {
    const name = c.req.param("name");
    try {
      const removed = users.remove(name);
      log.info("web user removed", { name, by: c.get("user") });
      deps.audit?.record(auditActor(c), {
        action: "user removed",
        object: `user ${name}`,
        old: { role: removed.role },
      });
      return c.body(null, 204);
    } catch (error) {
      return refusal(c, error);
    }
  });

  return app;
}

function refusal(c: Parameters<typeof apiError>[0], error: unknown): Response {
  if (!(error instanceof WebUserError)) throw error;
  const code = error.status === 404 ? "not_found" : error.status === 409 ? "conflict" : "invalid_value";
  return apiError(c, error.status, code, `${error.field}: ${error.message}`, { field: error.field });
}

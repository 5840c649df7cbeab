// JSON API of the CSTA users (the logins applications give in their AARQ), mounted at /api/csta-users:
// list, set a password (creating the user), remove. The last user cannot be removed: with none left the
// appliance would re-create admin (with a generated password) at its next start.

import { Hono } from "hono";
import { z } from "zod";
import type { CstaUsers } from "../../accounts/csta_users.ts";
import { weakPasswordReason } from "../../accounts/weak_passwords.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { MASKED } from "../../backup/support_bundle.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { HttpEnv } from "../context.ts";
import { readJsonBody } from "./json_body.ts";
import { isoTime, type RouteDoc } from "./route_doc.ts";

/** Names an application can send as UTF-8 without surprises. */
export const CSTA_USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

const nameSchema = z.string().regex(CSTA_USER_NAME, "1 to 64 letters, digits or . _ @ -");
const passwordSchema = z.strictObject({
  password: z.string().min(4, "at least 4 characters").max(128, "at most 128 characters"),
});

const cstaUser = z.strictObject({ name: z.string(), createdAt: isoTime, updatedAt: isoTime });

/** The routes of /api/csta-users for the OpenAPI document. */
export const CSTA_USERS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The CSTA users (logins applications give)",
    response: z.strictObject({ users: z.array(cstaUser) }),
  },
  {
    method: "put",
    path: "/:name",
    summary: "Set a CSTA user's password, creating the user (201) or changing it (200)",
    body: passwordSchema,
    response: z.strictObject({ user: cstaUser }),
  },
  { method: "delete", path: "/:name", summary: "Remove a CSTA user (not the last one)", response: null },
];

/** Builds the /api/csta-users sub-app. */
export function createCstaUsersApi(users: CstaUsers, audit?: AuditLog): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => c.json({ users: users.list() }));

  app.put("/:name", async (c) => {
    const name = nameSchema.safeParse(c.req.param("name"));
    if (!name.success) {
      return apiError(c, 400, "invalid_value", `name: ${name.error.issues[0].message}`, { field: "name" });
    }
    const body = await readJsonBody(c, passwordSchema);
    if (!body.ok) return body.response;
    const weak = weakPasswordReason(name.data, body.data.password);
    if (weak) {
      return apiError(c, 400, "invalid_value", `password: too easy to guess: ${weak}`, { field: "password" });
    }
    const existed = users.list().some((u) => u.name === name.data);
    await users.set(name.data, body.data.password);
    audit?.record(auditActor(c), {
      action: existed ? "CSTA user password changed" : "CSTA user added",
      object: `CSTA user ${name.data}`,
      ...(existed ? { old: { password: MASKED } } : {}),
      new: { password: MASKED },
    });
    return c.json({ user: users.list().find((u) => u.name === name.data) }, existed ? 200 : 201);
  });

  app.delete("/:name", (c) => {
    const name = c.req.param("name");
    const all = users.list();
    if (!all.some((u) => u.name === name)) return apiError(c, 404, "not_found", `no CSTA user ${name}`);
    if (all.length === 1) {
      return apiError(
        c,
        409,
        "last_user",
        "the last CSTA user cannot be removed (with none, admin would return with a generated password at the next start); add another first",
      );
    }
    users.remove(name);
    audit?.record(auditActor(c), { action: "CSTA user removed", object: `CSTA user ${name}` });
    return c.body(null, 204);
  });

  return app;
}

// JSON API of licensing, mounted at /api/licences: the status (mode, lines licensed and in use, days left,
// last refusal), the keys in force and ignored, adding and removing keys, and the seats in use.

import { Hono } from "hono";
import { z } from "zod";
import { LICENCE_KEY_MAX } from "../../licensing/licence_key.ts";
import type { Licensing } from "../../licensing/licensing.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { HttpEnv } from "../context.ts";
import { readJsonBody } from "./json_body.ts";

export interface LicencesApiDependencies {
  licensing: Licensing;
  /** Where changes are recorded. */
  audit?: AuditLog;
}

const addSchema = z.strictObject({ key: z.string().min(1).max(LICENCE_KEY_MAX * 2) });

/** Builds the /api/licences sub-app. */
export function createLicencesApi(deps: LicencesApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => c.json(deps.licensing.licenceStatus()));

  app.get("/keys", (c) => {
    const { keys, ignoredKeys } = deps.licensing.licenceStatus();
    return c.json({ keys, ignoredKeys });
  });

  app.post("/keys", async (c) => {
    const body = await readJsonBody(c, addSchema);
    if (!body.ok) return body.response;
    const result = await deps.licensing.addKey(body.data.key);
    if (result.ok) {
      deps.audit?.record(auditActor(c), {
        action: "licence key added",
        object: `licence ${result.licence.id}`,
        new: { lines: result.licence.lines },
      });
      return c.json({ licence: result.licence, status: deps.licensing.licenceStatus() }, 201);
    }
    const status = result.reason === "duplicate" ? 409 : 422;
    return apiError(c, status, result.reason.replace(/-/g, "_"), result.message, { field: "key" });
  });

  app.delete("/keys/:id", (c) => {
    const id = c.req.param("id");
    if (!deps.licensing.removeKey(id)) {
      return apiError(c, 404, "not_found", `no licence key ${id} is entered`);
    }
    deps.audit?.record(auditActor(c), { action: "licence key removed", object: `licence ${id}` });
    return c.body(null, 204);
  });

  app.get("/seats", (c) => c.json({ seats: deps.licensing.seats() }));

  return app;
}

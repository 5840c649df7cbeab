// JSON API of licensing, mounted at /api/licences: the status (mode, lines licensed and in use, days left,
// last refusal), the keys in force and ignored, adding and removing keys, and the seats in use.

import { Hono } from "hono";
import { z } from "zod";
import { LICENCE_KEY_MAX } from "../../licensing/licence_key.ts";
import type { LicenceIgnored, LicenceInForce, LicenceStatus, Licensing } from "../../licensing/licensing.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import type { SeatHolderKind } from "../../licensing/seat_pool.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { HttpEnv } from "../context.ts";
import { readJsonBody } from "./json_body.ts";
import { isoTime, type RouteDoc } from "./route_doc.ts";

export interface LicencesApiDependencies {
  licensing: Licensing;
  /** Where changes are recorded. */
  audit?: AuditLog;
}

const addSchema = z.strictObject({ key: z.string().min(1).max(LICENCE_KEY_MAX * 2) });

const keyInForce: z.ZodType<LicenceInForce> = z.strictObject({
  id: z.string(),
  customer: z.string(),
  lines: z.number().int(),
  issued: z.string(),
  expires: z.string().nullable(),
  addedAt: isoTime,
});
const SEAT_HOLDER_KINDS = [
  "application",
  "line",
  "call-tracking",
] as const satisfies readonly SeatHolderKind[];
const KEY_REASONS = ["malformed", "bad-signature", "invalid-statement", "expired", "duplicate"] as const;
const keyIgnored: z.ZodType<LicenceIgnored> = z.strictObject({
  id: z.string(),
  reason: z.enum(KEY_REASONS),
  message: z.string(),
  customer: z.string().optional(),
  lines: z.number().int().optional(),
  expires: z.string().nullable().optional(),
});
const licenceStatus: z.ZodType<LicenceStatus> = z.strictObject({
  mode: z.enum(["trial", "licensed", "expired"]),
  linesLicensed: z.number().int(),
  linesInUse: z.number().int(),
  daysLeft: z.number().int().nullable().describe("trial: days to its end; licensed: to the first expiry"),
  trialStartedAt: isoTime,
  trialEndsAt: isoTime,
  keys: z.array(keyInForce),
  ignoredKeys: z.array(keyIgnored),
  lastRefusal: z.strictObject({
    reason: z.enum(["no-free-licence", "trial-ended", "licence-expired"]),
    message: z.string(),
    deviceKey: z.string(),
    holderId: z.string(),
    linesLicensed: z.number().int(),
    linesInUse: z.number().int(),
    at: isoTime,
  }).nullable(),
});

/** The routes of /api/licences for the OpenAPI document. */
export const LICENCES_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "Licence status: mode, lines licensed and in use",
    response: licenceStatus,
  },
  {
    method: "get",
    path: "/keys",
    summary: "The keys in force and the ignored ones",
    response: z.strictObject({ keys: z.array(keyInForce), ignoredKeys: z.array(keyIgnored) }),
  },
  {
    method: "post",
    path: "/keys",
    summary: "Enter a licence key",
    body: addSchema,
    status: 201,
    response: z.strictObject({ licence: keyInForce, status: licenceStatus }),
  },
  { method: "delete", path: "/keys/:id", summary: "Remove a licence key", response: null },
  {
    method: "get",
    path: "/seats",
    summary: "The seats in use: one per monitored device, with its holders",
    response: z.strictObject({
      seats: z.array(z.strictObject({
        deviceKey: z.string(),
        holders: z.array(z.strictObject({ id: z.string(), kind: z.enum(SEAT_HOLDER_KINDS) })),
      })),
    }),
  },
];

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

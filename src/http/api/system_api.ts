// JSON API of the System page, mounted at /api/system: version and uptime, restart of one service,
// backup (one .tar.gz download) and restore (validated before anything is replaced), and API tokens.

import { type Clock, systemClock } from "../../clock.ts";
import { Hono } from "hono";
import { z } from "zod";
import type { AuditLog } from "../../audit/audit_log.ts";
import type { Logger } from "../../log/logger.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { ApiTokenError, type ApiTokens } from "../auth/api_tokens.ts";
import type { HttpEnv } from "../context.ts";
import { installedServices, type StatusSource } from "../status_source.ts";
import type { SystemControl } from "../web_ui_sources.ts";
import { readJsonBody } from "./json_body.ts";
import { isoTime, type RouteDoc, serviceStatusSchema } from "./route_doc.ts";

export interface SystemApiDependencies {
  system: SystemControl;
  status: StatusSource;
  tokens: ApiTokens;
  log: Logger;
  /** Where changes are recorded. */
  audit?: AuditLog;
  /** Largest restore upload, in bytes. */
  maxRestoreBytes: number;
  /** For the uptime and the delayed restart of a web server (the system clock when absent). */
  clock?: Clock;
}

/** Services whose restart would cut the request asking for it: answered first, restarted after. */
const WEB_SERVICES = new Set(["http", "https"]);

const tokenSchema = z.strictObject({ name: z.string().max(200) });

const tokenInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  user: z.string().describe("the web user it acts as"),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
});

/** The routes of /api/system for the OpenAPI document. */
export const SYSTEM_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "Version, uptime, mode and each service's state",
    response: z.strictObject({
      version: z.string(),
      startedAt: isoTime,
      uptimeSeconds: z.number().int(),
      mode: z.enum(["pbx", "demo"]),
      services: z.record(z.string(), z.strictObject({ state: z.string(), reason: z.string().nullable() })),
    }),
  },
  {
    method: "post",
    path: "/services/:name/restart",
    summary: "Restart one service (the web servers: 202, restarted after the answer)",
    response: z.union([
      z.strictObject({ service: z.string(), status: serviceStatusSchema }),
      z.strictObject({ service: z.string(), scheduled: z.literal(true) }),
    ]),
  },
  {
    method: "get",
    path: "/backup",
    summary: "Download a backup of the settings and the database (.tar.gz)",
    response: { media: "application/gzip" },
  },
  {
    method: "post",
    path: "/restore",
    summary: "Restore a backup (the .tar.gz as the body, or the multipart field `backup`)",
    upload: "application/gzip",
    response: z.strictObject({
      settings: z.boolean(),
      database: z.boolean(),
      createdAt: isoTime.describe("when the backup was made"),
      version: z.string().describe("the cstabox version that made it"),
    }),
  },
  {
    method: "get",
    path: "/tokens",
    summary: "The API tokens (never their secrets)",
    response: z.strictObject({ tokens: z.array(tokenInfo) }),
  },
  {
    method: "post",
    path: "/tokens",
    summary: "Make an API token for the signed-in user; the answer shows it, once",
    body: tokenSchema,
    status: 201,
    response: z.strictObject({ token: z.string().describe("cbx_…, shown once"), ...tokenInfo.shape }),
  },
  { method: "delete", path: "/tokens/:id", summary: "Revoke an API token", response: null },
];

/** Builds the /api/system sub-app. */
export function createSystemApi(deps: SystemApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const clock = deps.clock ?? systemClock;

  app.get("/", (c) => {
    const services = deps.status.services();
    return c.json({
      version: deps.status.version,
      startedAt: deps.status.startedAt,
      uptimeSeconds: Math.floor((clock.now() - Date.parse(deps.status.startedAt)) / 1000),
      mode: deps.status.mode(),
      services: Object.fromEntries(
        installedServices(services).map(([name, s]) => [name, { state: s.state, reason: s.reason ?? null }]),
      ),
    });
  });

  app.post("/services/:name/restart", async (c) => {
    const name = c.req.param("name");
    if (!(name in deps.status.services())) return apiError(c, 404, "not_found", `no service named ${name}`);
    deps.log.info("service restart asked for", { service: name, user: c.get("user") });
    deps.audit?.record(auditActor(c), { action: "service restarted", object: `service ${name}` });
    if (WEB_SERVICES.has(name)) {
      // Restarting the server that carries this request would wait for the request itself.
      clock.setTimeout(() => {
        deps.system.restartService(name).catch((error) =>
          deps.log.error("restart failed", { service: name, error })
        );
      }, 200);
      return c.json({ service: name, scheduled: true }, 202);
    }
    const status = await deps.system.restartService(name);
    return c.json({ service: name, status });
  });

  app.get("/backup", async (c) => {
    const file = await deps.system.backup();
    deps.log.info("backup downloaded", { user: c.get("user"), bytes: file.bytes.length });
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${file.filename}"`,
    });
  });

  app.post("/restore", async (c) => {
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > deps.maxRestoreBytes) {
      return apiError(c, 413, "body_too_large", `the backup is larger than ${deps.maxRestoreBytes} bytes`);
    }
    const type = c.req.header("content-type") ?? "";
    let bytes: Uint8Array;
    if (type.startsWith("multipart/form-data")) {
      const form = await c.req.formData().catch(() => undefined);
      const file = form?.get("backup");
      if (!(file instanceof File)) {
        return apiError(c, 400, "invalid_request", "backup: choose the backup file", { field: "backup" });
      }
      bytes = new Uint8Array(await file.arrayBuffer());
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    }
    if (bytes.length > deps.maxRestoreBytes) {
      return apiError(c, 413, "body_too_large", `the backup is larger than ${deps.maxRestoreBytes} bytes`);
    }
    if (bytes.length === 0) {
      return apiError(c, 400, "invalid_request", "backup: the file is empty", { field: "backup" });
    }
    const outcome = await deps.system.restore(bytes);
    if (!outcome.ok) {
      return apiError(
        c,
        422,
        "restore_refused",
        `backup refused; nothing was replaced: ${outcome.reasons.join("; ")}`,
        {
          field: "backup",
          details: { reasons: outcome.reasons },
        },
      );
    }
    deps.log.warn("settings and database restored from a backup", {
      user: c.get("user"),
      ...outcome.restored,
    });
    // Kept in the restored database, which has replaced the log before it.
    deps.audit?.record(auditActor(c), {
      action: "backup restored",
      object: "settings and database",
      new: outcome.restored,
    });
    return c.json(outcome.restored);
  });

  app.get("/tokens", (c) => c.json({ tokens: deps.tokens.list() }));

  app.post("/tokens", async (c) => {
    const body = await readJsonBody(c, tokenSchema);
    if (!body.ok) return body.response;
    const user = c.get("user");
    if (!user) return apiError(c, 401, "unauthorized", "no user");
    try {
      const { token, info } = await deps.tokens.create(body.data.name, user);
      deps.log.info("API token created", { name: info.name, user });
      deps.audit?.record(auditActor(c), {
        action: "API token created",
        object: `API token "${info.name}"`,
        new: { user },
      });
      return c.json({ token, ...info }, 201);
    } catch (error) {
      if (!(error instanceof ApiTokenError)) throw error;
      return apiError(c, 400, "invalid_value", `${error.field}: ${error.message}`, { field: error.field });
    }
  });

  app.delete("/tokens/:id", (c) => {
    const id = c.req.param("id");
    if (!deps.tokens.revoke(id)) return apiError(c, 404, "not_found", `no API token ${id}`);
    deps.log.info("API token revoked", { id, user: c.get("user") });
    deps.audit?.record(auditActor(c), { action: "API token revoked", object: `API token ${id}` });
    return c.body(null, 204);
  });

  return app;
}

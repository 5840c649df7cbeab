// JSON API of the multiplexer, mounted at /api/multiplexer: the connected applications (and disconnecting
// one), and the devices monitored in the PBX with their subscribers and refusals.

import { Hono } from "hono";
import type { AuditLog } from "../../audit/audit_log.ts";
import type { Logger } from "../../log/logger.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { HttpEnv } from "../context.ts";
import type { MultiplexerControl } from "../web_ui_sources.ts";

export interface MultiplexerApiDependencies {
  multiplexer: MultiplexerControl;
  log: Logger;
  /** Where changes are recorded. */
  audit?: AuditLog;
}

/** Builds the /api/multiplexer sub-app. */
export function createMultiplexerApi(deps: MultiplexerApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => c.json(deps.multiplexer.status()));

  app.get("/applications", (c) => {
    const status = deps.multiplexer.status();
    return c.json({
      applications: status.applications,
      cdrOwner: status.cdrOwner,
      hotelOwner: status.hotelOwner,
    });
  });

  app.post("/applications/:id/disconnect", (c) => {
    const id = Number(c.req.param("id"));
    const session = Number.isInteger(id) ? deps.multiplexer.session(id) : undefined;
    if (!session) return apiError(c, 404, "not_found", `no application ${c.req.param("id")} is connected`);
    const by = c.get("user") ?? "a web user";
    // port.close ends the connection; the server then detaches the session (monitors stop, CDR ends).
    session.port.close(`disconnected by ${by} in the web UI`);
    deps.log.info("application disconnected from the web UI or API", { session: id, user: by });
    deps.audit?.record(auditActor(c), { action: "application disconnected", object: `application ${id}` });
    return c.body(null, 204);
  });

  app.get("/monitors", (c) => {
    const status = deps.multiplexer.status();
    return c.json({
      monitors: status.monitors,
      // Monitors applications hold that the PBX does not carry, with the reason; SystemStatus says so.
      lostMonitors: status.lostMonitors,
      systemStatus: status.systemStatus,
      licenceRefusals: status.licenceRefusals,
      lastLicenceRefusal: status.lastLicenceRefusal,
    });
  });

  return app;
}

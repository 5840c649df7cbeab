// JSON API of the multiplexer, mounted at /api/multiplexer: the connected applications (and disconnecting
// one), and the devices monitored in the PBX with their subscribers and refusals.

import { Hono } from "hono";
import { z } from "zod";
import type { AuditLog } from "../../audit/audit_log.ts";
import type { Logger } from "../../log/logger.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { HttpEnv } from "../context.ts";
import type { MultiplexerControl, MultiplexerStatus } from "../web_ui_sources.ts";
import { deviceWords } from "../../csta/device_key.ts";
import {
  booleanFilter,
  choiceFilter,
  containsText,
  invalidQuery,
  listQuery,
  pageOfList,
  parseListQuery,
  textFilter,
} from "./list_query.ts";

import { isoTime, pageInfoShape, type RouteDoc } from "./route_doc.ts";

type Application = MultiplexerStatus["applications"][number];
type Monitor = MultiplexerStatus["monitors"][number];

/** `GET /api/multiplexer/applications`: the paged list, by connection number unless asked otherwise. */
export const applicationsQuery = listQuery(
  ["id", "remote", "transport", "user", "monitors", "requestsInFlight", "queuedBytes", "connectedAt"],
  {
    q: textFilter().describe("part of the address or the user name"),
    transport: textFilter(20).describe("tcp, tls or internal"),
    user: textFilter().describe("the CSTA user, exactly"),
    internal: booleanFilter().describe("false leaves out cstabox's own sessions (call tracking, line API)"),
  },
);

/** `GET /api/multiplexer/monitors`: the paged list of monitored devices, by device unless asked otherwise. */
export const monitorsQuery = listQuery(["device", "state", "subscribers", "lostSince"], {
  q: textFilter().describe("part of the device"),
  state: choiceFilter(["active", "starting", "lost"]),
});

const applicationSchema = z.object({
  id: z.number().int().describe("the connection's number"),
  transport: z.string().describe("tcp, tls or internal"),
  remote: z.string().describe("address:port"),
  user: z.string().nullable().describe("the CSTA user it logged in as"),
  connectedAt: isoTime,
  monitors: z.number().int(),
  requestsInFlight: z.number().int(),
  queuedBytes: z.number().int(),
  owns: z.array(z.string()).describe("cdr, hotel: the exclusive services it holds"),
}).describe("and its counters (requests, events sent and filtered, rejected, malformed)");

const monitorSchema = z.strictObject({
  device: z.string().describe("the device key (n:101 a number, d:5 a device number)"),
  state: z.enum(["starting", "active", "lost"]),
  subscribers: z.number().int(),
  lastRefusal: z.string().nullable(),
  lostSince: isoTime.nullable(),
});

const applicationSorts: Record<string, (a: Application) => string | number> = {
  id: (a) => a.id,
  remote: (a) => a.remote,
  transport: (a) => a.transport,
  user: (a) => a.user ?? "",
  monitors: (a) => a.monitors,
  requestsInFlight: (a) => a.requestsInFlight,
  queuedBytes: (a) => a.queuedBytes,
  connectedAt: (a) => a.connectedAt,
};

const monitorSorts: Record<string, (m: Monitor) => string | number> = {
  device: (m) => deviceWords(m.device),
  state: (m) => m.state,
  subscribers: (m) => m.subscribers,
  lostSince: (m) => m.lostSince ?? "",
};

const lostMonitor = z.strictObject({
  device: z.string(),
  reason: z.string(),
  since: isoTime,
  subscribers: z.number().int(),
  retries: z.number().int(),
  nextRetryAt: isoTime.nullable(),
});
const licenceRefusal = z.strictObject({ device: z.string(), reason: z.string(), at: isoTime }).nullable();
const owners = {
  cdrOwner: z.number().int().nullable().describe("the application that holds the CDR stream"),
  hotelOwner: z.number().int().nullable(),
};

/** The routes of /api/multiplexer for the OpenAPI document. */
export const MULTIPLEXER_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The applications, the monitored devices and the multiplexer's counters",
    response: z.looseObject({
      applications: z.array(applicationSchema),
      systemStatus: z.string(),
      monitors: z.array(monitorSchema),
      lostMonitors: z.array(lostMonitor),
      ...owners,
      eventsInPerSecond: z.number(),
      eventsOutPerSecond: z.number(),
      lastLicenceRefusal: licenceRefusal,
      licenceRefusals: z.number().int(),
    }),
  },
  {
    method: "get",
    path: "/applications",
    summary: "The connected applications, a page at a time, sorted and filtered",
    query: applicationsQuery,
    response: z.strictObject({ applications: z.array(applicationSchema), ...pageInfoShape, ...owners }),
  },
  {
    method: "post",
    path: "/applications/:id/disconnect",
    summary: "Disconnect an application (its monitors stop)",
    response: null,
  },
  {
    method: "get",
    path: "/monitors",
    summary: "The devices monitored in the PBX, a page at a time, with lost monitors and the refusals",
    query: monitorsQuery,
    response: z.strictObject({
      monitors: z.array(monitorSchema),
      ...pageInfoShape,
      lostMonitors: z.array(lostMonitor),
      systemStatus: z.string(),
      licenceRefusals: z.number().int(),
      lastLicenceRefusal: licenceRefusal,
    }),
  },
];

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
    const parsed = parseListQuery(applicationsQuery, c.req.query());
    if (!parsed.ok) return invalidQuery(c, parsed);
    const q = parsed.data;
    const status = deps.multiplexer.status();
    const { rows, info } = pageOfList(
      status.applications,
      q,
      applicationSorts,
      (a) =>
        (!q.q || containsText([a.remote, a.user], q.q)) &&
        (!q.transport || a.transport === q.transport.toLowerCase()) &&
        (!q.user || a.user === q.user) &&
        (q.internal !== false || a.transport !== "internal"),
    );
    return c.json({
      applications: rows,
      ...info,
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
    const parsed = parseListQuery(monitorsQuery, c.req.query());
    if (!parsed.ok) return invalidQuery(c, parsed);
    const q = parsed.data;
    const status = deps.multiplexer.status();
    const { rows, info } = pageOfList(
      status.monitors,
      q,
      monitorSorts,
      (m) => (!q.q || containsText([deviceWords(m.device)], q.q)) && (!q.state || m.state === q.state),
    );
    return c.json({
      monitors: rows,
      ...info,
      // Monitors applications hold that the PBX does not carry, with the reason; SystemStatus says so.
      lostMonitors: status.lostMonitors,
      systemStatus: status.systemStatus,
      licenceRefusals: status.licenceRefusals,
      lastLicenceRefusal: status.lastLicenceRefusal,
    });
  });

  return app;
}

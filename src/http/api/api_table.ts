// Every `/api/<path>` route in one table: its path and the sub-app that serves it, in the order Hono
// matches them. The composition root hands in the services; the web UI's sources add the rest.

import { systemClock } from "../../clock.ts";
import { Hono } from "hono";
import { buildSupportBundle } from "../../backup/support_bundle.ts";
import type { Logger } from "../../log/logger.ts";
import type { ApiTokens } from "../auth/api_tokens.ts";
import type { HttpEnv } from "../context.ts";
import { probePbx } from "../../pbx/probe.ts";
import type { StatusSource } from "../status_source.ts";
import type { WebUiSources } from "../web_ui_sources.ts";
import { CALL_RECORDS_ROUTES, createCallRecordsApi } from "./call_records_api.ts";
import { CALLS_ROUTES, createCallsApi } from "./calls_api.ts";
import { createCstaUsersApi, CSTA_USERS_ROUTES } from "./csta_users_api.ts";
import { createLicencesApi, LICENCES_ROUTES } from "./licences_api.ts";
import { createLineApi, LINE_CONFIG_ROUTES, lineRoutes } from "./line_api.ts";
import { createLineScopesApi, LINE_SCOPES_ROUTES } from "./line_scopes_api.ts";
import { createLinesApi, LINES_ROUTES } from "./lines_api.ts";
import { createLocationApi, LOCATION_ROUTES } from "./location_api.ts";
import { createLogsApi, LOGS_ROUTES } from "./logs_api.ts";
import { createMqttApi, MQTT_ROUTES } from "./mqtt_api.ts";
import { createMultiplexerApi, MULTIPLEXER_ROUTES } from "./multiplexer_api.ts";
import { createNumberRulesApi, NUMBER_RULES_ROUTES } from "./number_rules_api.ts";
import { createOpenApiApi } from "./openapi.ts";
import { createPbxApi, PBX_ROUTES } from "./pbx_api.ts";
import { createSettingsApi, SETTINGS_ROUTES } from "./settings_api.ts";
import { createSmdrApi, SMDR_ROUTES } from "./smdr_api.ts";
import { createStatisticsApi, STATISTICS_ROUTES } from "./statistics_api.ts";
import { createSystemApi, SYSTEM_ROUTES } from "./system_api.ts";
import { createTraceApi, TRACE_ROUTES } from "./trace_api.ts";
import { createTlsApi, TLS_ROUTES } from "./tls_api.ts";
import { createWebhooksApi, WEBHOOKS_ROUTES } from "./webhooks_api.ts";
import { createWebUsersApi, WEB_USERS_ROUTES } from "./web_users_api.ts";
import type { WebUsers } from "../../accounts/web_users.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { AUDIT_ROUTES, createAuditApi } from "./audit_api.ts";
import { isoTime, type RouteDoc, serviceStatusSchema } from "./route_doc.ts";
import { z } from "zod";

/** The services behind the API; each one given mounts its routes (tests give a few). */
export interface ApiServices {
  lines?: Parameters<typeof createLinesApi>[0];
  location?: Parameters<typeof createLocationApi>[0];
  numberRules?: Parameters<typeof createNumberRulesApi>[0];
  licences?: Parameters<typeof createLicencesApi>[0];
  tls?: Parameters<typeof createTlsApi>[0];
  smdr?: Parameters<typeof createSmdrApi>[0];
  webhooks?: Parameters<typeof createWebhooksApi>[0];
  mqtt?: Parameters<typeof createMqttApi>[0];
  callRecords?: Parameters<typeof createCallRecordsApi>[0];
  /** The line API (issue 20): mounted at the root of /api, under `/lines/:line/...` and `/calls/...`. */
  line?: Parameters<typeof createLineApi>[0];
  /** Line scopes of API tokens (administration: tokens with a scope are kept out by the gate). */
  lineScopes?: Omit<Parameters<typeof createLineScopesApi>[0], "tokens">;
  /** The line event stream, ended when the server closes. */
  events?: (closing?: AbortSignal) => Hono<HttpEnv>;
}

export interface ApiTableContext {
  services: ApiServices;
  status: StatusSource;
  log: Logger;
  /** The web UI's sources and the token store: the administration API is served only with them. */
  ui?: WebUiSources;
  tokens?: ApiTokens;
  /** The web users, managed at /api/users with the administration API. */
  users: WebUsers;
  /** Where changes are recorded (with the administration API). */
  audit?: AuditLog;
  maxRestoreBytes: number;
  closing?: AbortSignal;
  /** The whole /api router these routes are mounted on, which `/openapi.json` describes. */
  router: () => Hono<HttpEnv>;
}

export interface ApiRoute {
  /** Below `/api`; `""` mounts at its root. */
  path: string;
  app: Hono<HttpEnv>;
  /** What the OpenAPI document says of the sub-app's routes. */
  docs?: readonly RouteDoc[];
}

/** The routes served here for the OpenAPI document. */
const STATUS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "Version, mode, every service's status and the dashboard's sections",
    response: z.looseObject({
      version: z.string(),
      startedAt: isoTime,
      mode: z.enum(["pbx", "demo"]),
      settingsProblem: z.unknown().describe("why the settings file is refused, or null"),
      services: z.record(z.string(), serviceStatusSchema),
    }).describe("besides these, the dashboard's sections (multiplexer, licences, …)"),
  },
];
const SUPPORT_BUNDLE_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "A support bundle: status, masked settings, the recent log, the last trace, versions",
    response: { media: "application/gzip" },
  },
];

/** What the OpenAPI document says of each administration sub-app's routes, by its mount path. */
export const ROUTE_DOCS: Readonly<Record<string, readonly RouteDoc[]>> = {
  "/lines": LINES_ROUTES,
  "/location": LOCATION_ROUTES,
  "/number-rules": NUMBER_RULES_ROUTES,
  "/licences": LICENCES_ROUTES,
  "/csta-users": CSTA_USERS_ROUTES,
  "/line-scopes": LINE_SCOPES_ROUTES,
  "/tls": TLS_ROUTES,
  "/smdr": SMDR_ROUTES,
  "/webhooks": WEBHOOKS_ROUTES,
  "/mqtt": MQTT_ROUTES,
  "/call-records": CALL_RECORDS_ROUTES,
  "/users": WEB_USERS_ROUTES,
  "/settings": SETTINGS_ROUTES,
  "/logs": LOGS_ROUTES,
  "/trace": TRACE_ROUTES,
  "/calls": CALLS_ROUTES,
  "/pbx": PBX_ROUTES,
  "/audit": AUDIT_ROUTES,
  "/multiplexer": MULTIPLEXER_ROUTES,
  "/system": SYSTEM_ROUTES,
  "/": LINE_CONFIG_ROUTES,
  "/status": STATUS_ROUTES,
  "/support-bundle": SUPPORT_BUNDLE_ROUTES,
  "/statistics": STATISTICS_ROUTES,
};

/** The routes of `/api`, in matching order. */
export function apiTable(context: ApiTableContext): ApiRoute[] {
  const { services: s, status, ui, tokens, log } = context;
  const admin = ui && tokens ? { ui, tokens } : undefined;
  const audit = context.audit;
  let mounted: ApiRoute[] = [];
  const table: [string, (() => Hono<HttpEnv>) | undefined][] = [
    ["/status", () => statusApi(status)],
    ["/lines", s.lines && (() => createLinesApi({ ...s.lines!, audit }))],
    ["/location", s.location && (() => createLocationApi({ ...s.location!, audit }))],
    [
      "/number-rules",
      s.numberRules && (() => createNumberRulesApi({ ...s.numberRules!, audit })),
    ],
    ["/licences", s.licences && (() => createLicencesApi({ ...s.licences!, audit }))],
    ["/tls", s.tls && (() => createTlsApi(s.tls!, audit))],
    ["/smdr", s.smdr && (() => createSmdrApi(s.smdr!, audit))],
    ["/webhooks", s.webhooks && (() => createWebhooksApi({ ...s.webhooks!, audit }))],
    ["/mqtt", s.mqtt && (() => createMqttApi(s.mqtt!))],
    ["/call-records", s.callRecords && (() => createCallRecordsApi(s.callRecords!))],
    ["/", s.line && (() => createLineApi(s.line!))],
    ["/events", s.events && (() => s.events!(context.closing))],
    [
      "/line-scopes",
      admin && s.lineScopes && (() => createLineScopesApi({ ...s.lineScopes!, tokens: admin.tokens, audit })),
    ],
    [
      "/multiplexer",
      admin && (() => createMultiplexerApi({ multiplexer: admin.ui.multiplexer, log, audit })),
    ],
    ["/users", admin && (() => createWebUsersApi({ users: context.users, log, audit }))],
    ["/csta-users", admin && (() => createCstaUsersApi(admin.ui.cstaUsers, audit))],
    ["/settings", admin && (() => createSettingsApi(admin.ui.settings, audit))],
    ["/logs", admin && (() => createLogsApi(log.ring))],
    [
      "/trace",
      admin?.ui.trace &&
      (() => createTraceApi({ trace: admin.ui.trace!, version: status.version, log, audit })),
    ],
    ["/calls", admin && (() => createCallsApi(admin.ui.calls))],
    ["/statistics", admin?.ui.statistics && (() => createStatisticsApi(admin.ui.statistics!))],
    [
      "/pbx",
      admin && (() =>
        createPbxApi({
          linkStatus: () => status.services()["pbx-link"],
          settings: () => admin.ui.settings.current(),
          mode: () => status.mode(),
          probe: admin.ui.probePbx ?? ((target) => probePbx(target)),
          connectNow: admin.ui.connectPbx,
          audit,
        })),
    ],
    [
      "/system",
      admin && (() =>
        createSystemApi({
          system: admin.ui.system,
          status,
          tokens: admin.tokens,
          log,
          audit,
          maxRestoreBytes: context.maxRestoreBytes,
          clock: admin.ui.clock,
        })),
    ],
    ["/audit", admin && audit && (() => createAuditApi(audit))],
    ["/support-bundle", admin && (() => supportBundleApi(admin.ui, status, log))],
    [
      "/openapi.json",
      () =>
        createOpenApiApi({
          version: status.version,
          router: context.router,
          lineRoutes: () => s.line ? lineRoutes(s.line) : [],
          adminRoutes: () => mounted.flatMap((r) => r.docs ? [{ mount: r.path, routes: r.docs }] : []),
        }),
    ],
  ];
  mounted = table.flatMap(([path, make]) => make ? [{ path, app: make(), docs: ROUTE_DOCS[path] }] : []);
  return mounted;
}

/** What `GET /api/status` answers: version, mode, every service's state and the dashboard's sections. */
function statusJson(status: StatusSource) {
  return {
    version: status.version,
    startedAt: status.startedAt,
    mode: status.mode(),
    settingsProblem: status.settingsProblem() ?? null,
    services: status.services(),
    ...status.sections?.(),
  };
}

function statusApi(status: StatusSource): Hono<HttpEnv> {
  return new Hono<HttpEnv>().get("/", (c) => c.json(statusJson(status)));
}

/** `GET /api/support-bundle`: status, masked settings, the recent log, the last trace, versions. */
function supportBundleApi(ui: WebUiSources, status: StatusSource, log: Logger): Hono<HttpEnv> {
  return new Hono<HttpEnv>().get("/", async (c) => {
    const file = await buildSupportBundle({
      version: status.version,
      now: (ui.clock ?? systemClock).now(),
      status: statusJson(status),
      settings: ui.settings.current(),
      log: log.ring.entries(),
      trace: ui.trace,
    });
    log.info("support bundle downloaded", { user: c.get("user"), bytes: file.bytes.length });
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${file.filename}"`,
    });
  });
}

// The Hono application served on the HTTP and HTTPS ports: health, the JSON API (services contribute
// sub-apps), and, when the composition root passes the web UI's sources, the pages, login and the live
// feed. http calls services; services never import http.

import { systemClock } from "../clock.ts";
import { type Context, Hono } from "hono";
import { PasswordChecksBusyError } from "../accounts/password_checks.ts";
import type { WebUsers } from "../accounts/web_users.ts";
import type { Logger } from "../log/logger.ts";
import { errorText, isDiskFull } from "../log/error_text.ts";
import { type StoreHealth, StoreUnavailableError } from "../store/store_service.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { apiAuth } from "./api_auth.ts";
import { apiError } from "./api_errors.ts";
import { type ApiServices, apiTable } from "./api/api_table.ts";
import { FORM_BODY_MAX, limitBody, MULTIPART_ENVELOPE_BYTES } from "./body_limit.ts";
import { mountAssets } from "./assets.ts";
import { ApiTokens } from "./auth/api_tokens.ts";
import type { TokenLineScopes } from "./auth/token_line_scopes.ts";
import { scopedTokenGate } from "./api/line_api_rights.ts";
import { mountLoginRoutes } from "./auth/login_routes.tsx";
import { renderRefused } from "./pages/refused.tsx";
import { pageGuard } from "./auth/page_guard.ts";
import { roleGate } from "./auth/role_gate.ts";
import { SessionStore } from "./auth/session_store.ts";
import { type HttpEnv, isLoopback } from "./context.ts";
import { CONTENT_TYPE } from "../integrations/metrics/exposition.ts";
import type { MetricsSettings } from "../integrations/metrics/metrics_options.ts";
import { httpsRedirect } from "./https_redirect.ts";
import { InnerApi } from "./inner_api.ts";
import { LiveRegions } from "./live/live_regions.ts";
import { mountLiveRoutes } from "./live/live_routes.ts";
import { RateHistory } from "./live/rate_history.ts";
import { renderNotFound } from "./pages/not_found.tsx";
import { mountPages } from "./pages/pages.ts";
import { securityHeaders } from "./security_headers.ts";
import { installedServices, type StatusSource } from "./status_source.ts";
import { pageContext, type WebDeps } from "./web_deps.ts";
import type { WebUiSources } from "./web_ui_sources.ts";

export type { StatusSource } from "./status_source.ts";

export interface HttpAppOptions {
  log: Logger;
  status: StatusSource;
  users: WebUsers;
  /** The services whose API is mounted under `/api` behind authentication (the table: api/api_table.ts). */
  services?: ApiServices;
  /** The web UI's sources; without them only /healthz and the JSON API (Basic authentication) are served. */
  ui?: WebUiSources;
  /** Prometheus metrics at /metrics: on/off and loopback access from the settings, the text at scrape time. */
  metrics?: { settings: () => MetricsSettings; text: () => string };
  /** Aborted when the server stops: live streams end so the shutdown does not wait for them. */
  closing?: AbortSignal;
  /** Largest backup a restore accepts, in bytes (default 256 MiB). */
  maxRestoreBytes?: number;
  /** Line scopes of API tokens: a token with one is kept to the line API. */
  tokenScopes?: TokenLineScopes;
  /** Told of writes the store refused: on a full disk it degrades, and sessions are kept in memory. */
  store?: StoreHealth;
}

/** Paths with their own access rules: the API, assets, health, login, password, logout and the live feed. */
function isPagePath(path: string): boolean {
  return !/^\/(api|static)\//.test(path) &&
    !["/healthz", "/readyz", "/login", "/logout", "/password", "/live", "/metrics"].includes(path);
}

/** Largest backup a restore accepts by default. */
const MAX_RESTORE_BYTES = 256 * 1024 * 1024;

export function createHttpApp(options: HttpAppOptions): Hono<HttpEnv> {
  const maxRestoreBytes = options.maxRestoreBytes ?? MAX_RESTORE_BYTES;
  /** Every body is cut while it streams; a restore carries a whole backup in a multipart envelope. */
  const maxBodyBytes = (path: string) =>
    /^(\/api)?\/system\/restore$/.test(path) ? maxRestoreBytes + MULTIPART_ENVELOPE_BYTES : FORM_BODY_MAX;
  const app = new Hono<HttpEnv>();
  app.use("*", securityHeaders());
  app.use("*", httpsRedirect(() => options.status.services().https));

  app.get("/healthz", (c) => {
    const services = installedServices(options.status.services());
    const failed = services.some(([, s]) => s.state === "failed");
    // A store that cannot write (a full disk) loses SMDR records and changes: not healthy either.
    const storeDegraded = services.some(([name, s]) => name === "store" && s.state === "degraded");
    const body = {
      status: failed ? "failed" : storeDegraded ? "degraded" : "ok",
      services: Object.fromEntries(
        services.map((
          [name, s],
        ) => [name, s.reason ? { state: s.state, reason: s.reason } : { state: s.state }]),
      ),
    };
    return c.json(body, failed || storeDegraded ? 503 : 200);
  });
  // Readiness for load balancers and monitors: no service failed or in transition, and the PBX link up
  // (a degraded link is reconnecting) and the store writing (not on a full disk). Other degraded services
  // (a certificate near expiry) still serve.
  // /healthz stays the liveness answer, so a monitor can tell "down" from "not ready".
  app.get("/readyz", (c) => {
    const reasons = installedServices(options.status.services())
      .filter(([name, s]) =>
        s.state !== "running" && (s.state !== "degraded" || name === "pbx-link" || name === "store")
      )
      .map(([name, s]) => `${name} ${s.state}${s.reason ? `: ${s.reason}` : ""}`);
    return c.json(
      reasons.length === 0 ? { ready: true } : { ready: false, reasons },
      reasons.length ? 503 : 200,
    );
  });
  mountAssets(app);

  const ui = options.ui;
  let notFoundPage: ((c: Context<HttpEnv>) => Promise<Response>) | undefined;
  const sessions = ui &&
    new SessionStore(ui.database, {
      idleMinutes: () => ui.settings.current().web.sessionIdleMinutes,
      clock: ui.clock,
      store: options.store,
    });
  const tokens = ui && new ApiTokens(ui.database, ui.clock);
  const audit = ui && new AuditLog(ui.database, ui.clock);

  // The API routes without authentication: mounted behind it at /api, and called in process by the pages.
  const routes = new Hono<HttpEnv>();
  routes.use("*", async (c, next) => {
    if (c.env.actingUser && !c.get("user")) c.set("user", c.env.actingUser);
    await next();
  });
  routes.use("*", roleGate(options.users, tokens));
  for (
    const { path, app } of apiTable({
      ...options,
      services: options.services ?? {},
      ui,
      tokens,
      audit,
      maxRestoreBytes,
      router: () => routes,
    })
  ) {
    routes.route(path, app);
  }

  const authenticate = apiAuth({ users: options.users, sessions, tokens, throttle: ui?.throttle });
  const api = new Hono<HttpEnv>();
  api.use("*", authenticate);
  api.use("*", limitBody((c) => maxBodyBytes(c.req.path)));
  if (options.tokenScopes) api.use("*", scopedTokenGate(options.tokenScopes));
  api.route("/", routes);
  app.route("/api", api);

  const metrics = options.metrics;
  if (metrics) {
    // Like the API (a token, Basic or a session), or open to this box itself when the setting says so.
    app.get("/metrics", (c, next) => {
      const settings = metrics.settings();
      if (!settings.enabled) return c.text("metrics are off (setting metrics.enabled)\n", 404);
      if (settings.openOnLoopback && isLoopback(c.env.remoteAddress)) return next();
      return authenticate(c, next);
    }, (c) => c.body(metrics.text(), 200, { "content-type": CONTENT_TYPE }));
  }

  if (ui && sessions && tokens) {
    const rates = ui.rates ?? new RateHistory({
      sample: () => {
        const mux = ui.multiplexer.status();
        return { eventsIn: mux.eventsInPerSecond, eventsOut: mux.eventsOutPerSecond };
      },
      clock: ui.clock,
    });
    if (options.closing) rates.hold(options.closing);
    const deps: WebDeps = {
      status: options.status,
      ui,
      users: options.users,
      sessions,
      tokens,
      api: new InnerApi(routes),
      log: options.log,
      rates,
      regions: new LiveRegions(),
      clock: ui.clock ?? systemClock,
      maxRestoreBytes,
    };
    mountLoginRoutes(app, {
      users: options.users,
      sessions,
      throttle: ui.throttle,
      log: options.log,
      audit,
      clock: ui.clock,
    });
    const guard = pageGuard({
      sessions,
      users: options.users,
      maxBodyBytes,
      refusedPage: (c, reason) => renderRefused(c, deps, reason),
    });
    mountLiveRoutes(app, {
      regions: deps.regions,
      sessions,
      users: options.users,
      pageContext: (c) => pageContext(c, deps),
      closing: options.closing,
    });
    // Every other path is a page: without a session it leads to the login page, never to a 404.
    app.use("*", (c, next) => isPagePath(c.req.path) ? guard(c, next) : next());
    mountPages(app, deps);
    notFoundPage = (c) => renderNotFound(c, deps);
  }

  // Sub-app notFound handlers do not apply once routes are merged; decide here for the whole app.
  app.notFound((c) => {
    if (c.req.path.startsWith("/api/")) {
      return apiError(c, 404, "not_found", `no API at ${c.req.method} ${c.req.path}`);
    }
    // A signed-in user gets a page with the menu and the way back; anything else a short text.
    return notFoundPage && c.get("session") ? notFoundPage(c) : c.text("not found", 404);
  });

  app.onError((error, c) => {
    if (options.store?.noteWriteError(error) ?? isDiskFull(error)) {
      // 507 Insufficient Storage, in words: the administrator must free space, nothing else helps.
      options.log.error("request failed: disk full", { method: c.req.method, path: c.req.path, error });
      if (c.req.path.startsWith("/api/")) return apiError(c, 507, "disk_full", errorText(error));
      return c.text(`Not saved: ${errorText(error)}. Free space in the data directory.`, 507);
    }
    if (error instanceof PasswordChecksBusyError) {
      c.header("Retry-After", "5");
      if (c.req.path.startsWith("/api/")) return apiError(c, 503, "busy", error.message);
      return c.text(`The appliance is ${error.message}.`, 503);
    }
    if (error instanceof StoreUnavailableError) {
      if (c.req.path.startsWith("/api/")) {
        return apiError(c, 503, "store_unavailable", `${error.message}; see /healthz for the reason`);
      }
      return c.text(`${error.message}; see /healthz for the reason`, 503);
    }
    options.log.error("request failed", { method: c.req.method, path: c.req.path, error });
    if (c.req.path.startsWith("/api/")) return apiError(c, 500, "internal_error", error.message);
    return c.text("internal error", 500);
  });
  return app;
}

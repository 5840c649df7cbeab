// The Hono application served on the HTTP and HTTPS ports: health, status and the JSON API. Services
// contribute API sub-apps; http calls services, services never import http.

import { Hono } from "hono";
import type { WebUsers } from "../auth/web_users.ts";
import type { Logger } from "../log/logger.ts";
import type { ServiceStatus } from "../service.ts";
import { StoreUnavailableError } from "../store/store_service.ts";
import { apiBasicAuth } from "./api_auth.ts";
import { apiError } from "./api_errors.ts";
import type { HttpEnv } from "./context.ts";

export interface StatusSource {
  version: string;
  startedAt: string;
  /** `demo` when the PBX is the built-in simulator. */
  mode: () => "pbx" | "demo";
  services: () => Record<string, ServiceStatus>;
  /** The last refusal of an edited settings file, if the running settings are older than the file. */
  settingsProblem: () => string | undefined;
  /** Live figures of parts that are not services themselves (the multiplexer's applications, monitors). */
  sections?: () => Record<string, unknown>;
}

export interface HttpAppOptions {
  log: Logger;
  status: StatusSource;
  users: WebUsers;
  /** API sub-apps mounted under `/api/<path>`, each behind authentication. */
  apis?: { path: string; app: Hono<HttpEnv> }[];
}

export function createHttpApp(options: HttpAppOptions): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/healthz", (c) => {
    const services = options.status.services();
    const failed = Object.entries(services).filter(([, s]) => s.state === "failed");
    const body = {
      status: failed.length === 0 ? "ok" : "failed",
      services: Object.fromEntries(
        Object.entries(services).map((
          [name, s],
        ) => [name, s.reason ? { state: s.state, reason: s.reason } : { state: s.state }]),
      ),
    };
    return c.json(body, failed.length === 0 ? 200 : 503);
  });

  const api = new Hono<HttpEnv>();
  api.use("*", apiBasicAuth({ users: options.users }));
  api.get("/status", (c) =>
    c.json({
      version: options.status.version,
      startedAt: options.status.startedAt,
      mode: options.status.mode(),
      settingsProblem: options.status.settingsProblem() ?? null,
      services: options.status.services(),
      ...options.status.sections?.(),
    }));
  for (const mounted of options.apis ?? []) api.route(`/${mounted.path}`, mounted.app);
  app.route("/api", api);

  // Sub-app notFound handlers do not apply once routes are merged; decide here for the whole app.
  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? apiError(c, 404, "not_found", `no API at ${c.req.method} ${c.req.path}`)
      : c.text("not found", 404)
  );

  app.onError((error, c) => {
    if (error instanceof StoreUnavailableError) {
      return apiError(c, 503, "store_unavailable", `${error.message}; see /healthz for the reason`);
    }
    options.log.error("request failed", { method: c.req.method, path: c.req.path, error });
    if (c.req.path.startsWith("/api/")) return apiError(c, 500, "internal_error", error.message);
    return c.text("internal error", 500);
  });
  return app;
}

// Everything a page module needs, built once per HTTP app in app.ts and handed to each page module.

import type { Clock } from "../clock.ts";
import type { Context } from "hono";
import type { WebUsers } from "../accounts/web_users.ts";
import type { Logger } from "../log/logger.ts";
import type { ApiTokens } from "./auth/api_tokens.ts";
import type { SessionStore } from "./auth/session_store.ts";
import type { HttpEnv, RequestEnv } from "./context.ts";
import type { InnerApi } from "./inner_api.ts";
import type { LiveRegions } from "./live/live_regions.ts";
import type { RateHistory } from "./live/rate_history.ts";
import type { PageContext } from "./pages/layout.tsx";
import type { StatusSource } from "./status_source.ts";
import type { WebUiSources } from "./web_ui_sources.ts";

export interface WebDeps {
  status: StatusSource;
  ui: WebUiSources;
  users: WebUsers;
  sessions: SessionStore;
  tokens: ApiTokens;
  api: InnerApi;
  log: Logger;
  rates: RateHistory;
  regions: LiveRegions;
  /** The clock of the app (`WebUiSources.clock`), for the pages' "now". */
  clock: Clock;
  /** Largest backup accepted by a restore, in bytes. */
  maxRestoreBytes: number;
}

/** The page context of a request that passed the page guard; `withFlash` consumes the one-shot message. */
export function pageContext(c: Context<HttpEnv>, deps: WebDeps, withFlash = false): PageContext {
  const session = c.get("session");
  if (!session) throw new Error("pageContext needs a session (page guard missing?)");
  return {
    user: session.user,
    role: deps.users.role(session.user),
    csrf: session.csrfToken,
    path: c.req.path,
    demo: deps.status.mode() === "demo",
    settingsProblem: deps.status.settingsProblem(),
    flash: withFlash ? deps.sessions.takeFlash(session.id) : undefined,
    now: deps.clock.now(),
    env: { ...c.env, actingUser: session.user },
  };
}

/** The env for in-process API calls made for the signed-in user of `c`. */
export function actingEnv(c: Context<HttpEnv>): RequestEnv {
  return { ...c.env, actingUser: c.get("user") };
}

/**
 * Sets the one-shot message and answers with a redirect (POST, then redirect, then GET). The target gets
 * the `#flash` fragment unless it names its own: forms post to `…#their-card` so a refused form's page opens
 * at the form, and a redirect without a fragment would inherit that one instead of showing the message.
 */
export function redirectWithFlash(c: Context<HttpEnv>, deps: WebDeps, to: string, message: string): Response {
  const session = c.get("session");
  if (session) deps.sessions.setFlash(session.id, message);
  return c.redirect(to.includes("#") ? to : `${to}#flash`, 303);
}
